// Validating a data file against a rule set in ONE streaming pass.
//
// Each record goes to a Profiler (data/profile.hpp) and to the row-level checks, the unique-key
// sets and the correlation co-moments (quality/row_checks.hpp); when the data ends, the checks
// on the whole (rows, columns, completeness, statistics, distinct counts, history) are decided
// from the finished profile. Memory: the profile's (independent of the row count), plus for each
// `unique` check its exact key set, capped at `unique_max_bytes` (beyond it the check says so
// and falls back to a HyperLogLog estimate, marked approximate).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "data/profile.hpp"
#include "data/record_source.hpp"
#include "quality/rules.hpp"
#include "quality/validation.hpp"
#include "util/error.hpp"

namespace mlops {

struct ValidationOptions {
  ReadOptions read;
  ProfileOptions profile;  // its null tokens decide what a null is for every check
  MetricHistory history;   // earlier accepted runs, for history checks
  size_t unique_max_bytes = size_t{128} << 20;  // per unique check
};

// Applies a rules file's `input:` section (or the command line's overrides, which have the same
// shape) on top of `read` and `profile`.
void apply_input_spec(const InputSpec& input, ReadOptions& read, ProfileOptions& profile);

// Reads `path` once and decides every check of `rules`. `source_name` and `rules_name` name the
// two files in the report. The errors are those of reading the data (open_records: NotFound, Io,
// InvalidSpec for a header that makes no sense), and InvalidSpec for a pattern RE2 refuses (the
// rules parser reports that first).
Result<ValidationReport> validate_file(const std::filesystem::path& path, std::string source_name,
                                       std::string rules_name, const RuleSet& rules,
                                       const ValidationOptions& options);

}  // namespace mlops
