#include "app/compare.hpp"

#include <algorithm>

#include "app/experiments.hpp"
#include "app/queries.hpp"

namespace mlops {

Result<RunComparison> compare_runs(MetadataStore& store, const std::vector<std::string>& names) {
  RunComparison comparison;
  std::vector<std::string> ids;
  for (const std::string& name : names) {
    MLOPS_TRY(id, resolve_run(store, name));
    MLOPS_TRY(run, store.find_run(*id));
    if (!run->has_value()) {
      return Error(ErrorKind::NotFound, "no run " + *id);
    }
    if (std::find(ids.begin(), ids.end(), *id) != ids.end()) {
      return Error(ErrorKind::Usage, "'" + name + "' names run " + *id + " a second time");
    }
    comparison.runs.push_back(std::move(**run));
    ids.push_back(*id);
  }
  // Params and metrics as the experiments table reads them, so that the two views agree.
  MLOPS_TRY(rows, experiment_rows(store, comparison.runs));
  size_t count = ids.size();
  for (size_t i = 0; i < count; ++i) {
    for (const auto& [key, value] : (*rows)[i].params) {
      comparison.params.try_emplace(key, count).first->second[i] = value;
    }
    for (const auto& [key, value] : (*rows)[i].metrics) {
      comparison.metrics.try_emplace(key, count).first->second[i] = value;
    }
    MLOPS_TRY(outputs, store.outputs_of_run(ids[i]));
    for (const ArtifactVersion& version : *outputs) {
      comparison.outputs.try_emplace(version.path, count).first->second[i] = version.digest;
      if (version.kind == "plots") {
        comparison.plots.insert(version.path);
      }
    }
  }
  return comparison;
}

}  // namespace mlops
