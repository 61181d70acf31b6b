// The data-quality services every front end shares: profile a data file, and compare two
// datasets for drift (`mlops data profile|drift`, the `uses: profile|drift` stages and the drift
// trigger). Requests in, results out; nothing printed.
#pragma once

#include <filesystem>
#include <string>

#include "data/drift.hpp"
#include "data/drift_json.hpp"
#include "data/profile.hpp"
#include "util/error.hpp"

namespace mlops {

struct DataReadRequest {
  ReadOptions read;
  ProfileOptions profile;
};

// Whether `path` names a stored profile rather than data: a .json file (JSON Lines data is
// .jsonl or .ndjson).
bool is_profile_path(const std::filesystem::path& path);

// The profile of `path`: read back when it is a profile document, computed in one pass when it
// is data. NotFound, Io, InvalidSpec (unusable data) or Corrupt (an unusable profile document).
Result<DatasetProfile> load_or_profile(const std::filesystem::path& path,
                                       const DataReadRequest& request);

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

}  // namespace mlops
