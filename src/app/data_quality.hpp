// The data-quality services every front end shares: profile a data file, compare two datasets
// for drift, validate one against a rules file and suggest rules for it (`mlops data
// profile|drift|validate|suggest`, the `uses: profile|validate|drift` stages and the drift
// trigger). Requests in, results out; nothing printed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/drift.hpp"
#include "data/drift_json.hpp"
#include "data/profile.hpp"
#include "data/profile_json.hpp"
#include "quality/rules.hpp"
#include "quality/suggest.hpp"
#include "quality/validation.hpp"
#include "spec/diagnostic.hpp"
#include "util/error.hpp"

namespace mlops {

struct DataReadRequest {
  ReadOptions read;
  ProfileOptions profile;
  unsigned threads = 1;  // profile_file's: a big plain CSV file read in parts at once
};

// Whether `path` names a stored profile rather than data: a .json file (JSON Lines data is
// .jsonl or .ndjson).
bool is_profile_path(const std::filesystem::path& path);

// The profile of `path`: read back when it is a profile document, computed in one pass when it
// is data. NotFound, Io, InvalidSpec (unusable data) or Corrupt (an unusable profile document).
// `parts`: what of a stored profile is decoded (data/profile_json.hpp).
Result<DatasetProfile> load_or_profile(const std::filesystem::path& path,
                                       const DataReadRequest& request,
                                       ProfileParts parts = ProfileParts::All);

struct DriftRequest {
  std::filesystem::path reference;  // data or a profile
  std::filesystem::path current;    // data or a profile
  DataReadRequest read;
  DriftPolicy policy;
};

struct DriftOutcome {
  DriftReport report;
  DriftSides sides;
  std::string json;  // the drift report document
};

// Both sides' profiles (profiling data files, reading profiles), then the report. Usage when
// the two profiles were made with different sketch options.
Result<DriftOutcome> compare_datasets(const DriftRequest& request);

struct ValidateRequest {
  std::filesystem::path data;
  std::filesystem::path rules;
  // How to read the data: the rules file's `input:` applies on top of the defaults of `mlops
  // data profile`, and these (the command line's) on top of that.
  InputSpec read_overrides;
  MetricHistory history;  // earlier accepted runs, for history checks
  // When set, the values of the rules' history checks are read from this store: the metrics
  // that `history_pipeline`'s accepted (succeeded) runs recorded, oldest first, added to
  // `history`. A store that does not exist yet means no history.
  std::optional<std::string> history_pipeline;
  std::filesystem::path history_store;
};

struct ValidateOutcome {
  // The rules file's problems (FILE:LINE:COL); when there are any, `report` is not set.
  std::vector<Diagnostic> diagnostics;
  std::optional<ValidationReport> report;
};

// Loads the rules and validates the data in one pass. Errors are for unusable data (NotFound,
// Io, InvalidSpec); a bad rules file comes back as diagnostics.
Result<ValidateOutcome> validate_dataset(const ValidateRequest& request);

struct SuggestRequest {
  std::filesystem::path data;
  InputSpec read_overrides;  // written into the suggestion's `input:`
};

struct SuggestOutcome {
  RuleSuggestion suggestion;
  std::string yaml;  // the rules file
};

// Profiles the data, suggests rules (quality/suggest.hpp), validates the suggestion on the same
// data and drops what failed, so the rules written accept the data. Errors as validate_dataset.
Result<SuggestOutcome> suggest_dataset_rules(const SuggestRequest& request);

}  // namespace mlops
