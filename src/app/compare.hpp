// `mlops compare RUN RUN [RUN...]`: several runs side by side (params, metrics with their
// differences from the first run, the outputs' digests, the git commit). A pure read.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// Values of one field in each compared run, in the order the runs were named; nothing where a
// run lacks the field.
template <typename T>
using ValuesByRun = std::vector<std::optional<T>>;

struct RunComparison {
  std::vector<RunRecord> runs;                             // as named (app/queries.hpp resolve_run)
  std::map<std::string, ValuesByRun<std::string>> params;  // flattened: train.lr
  std::map<std::string, ValuesByRun<double>> metrics;      // as in the experiments table
  std::map<std::string, ValuesByRun<std::string>> outputs;  // path -> digest
  std::set<std::string> plots;  // the outputs of kind "plots" (`mlops plots` draws them)
};

// Whether a field differs from the first run's value in run `i`.
template <typename T>
bool differs(const ValuesByRun<T>& values, size_t i) {
  return values[i] != values[0];
}

// What resolve_run returns for a bad name (Usage, NotFound); Io when the store cannot be read.
Result<RunComparison> compare_runs(MetadataStore& store, const std::vector<std::string>& names);

}  // namespace mlops
