#include "app/queries.hpp"

#include <fmt/format.h>

namespace mlops {

Result<Workspace> open_query_workspace(const std::optional<std::filesystem::path>& store_flag) {
  return Workspace::open(current_workspace(), store_flag, StoreMode::Existing);
}

Result<std::string> resolve_run(MetadataStore& store, const std::string& name) {
  if (name == "latest" || name.starts_with("latest~")) {
    int back = 0;
    if (name != "latest") {
      std::string number = name.substr(7);
      if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos ||
          number.size() > 6) {
        return Error(ErrorKind::Usage, fmt::format("'{}': write latest or latest~N, such as "
                                                   "latest~1 for the run before the latest",
                                                   name));
      }
      back = std::stoi(number);
    }
    MLOPS_TRY(runs, store.list_runs({std::nullopt, std::nullopt, back + 1}));
    if (static_cast<int>(runs->size()) <= back) {
      return Error(ErrorKind::NotFound, fmt::format("'{}': the store has only {} run{}", name,
                                                    runs->size(), runs->size() == 1 ? "" : "s"));
    }
    return (*runs)[static_cast<size_t>(back)].id;
  }
  MLOPS_TRY(ids, store.run_ids(name, 6));
  if (ids->empty()) {
    return Error(ErrorKind::NotFound,
                 fmt::format("no run '{}' in the store; `mlops runs` lists them", name));
  }
  if (ids->size() > 1 && (*ids)[0] != name) {
    std::string list;
    for (size_t i = 0; i < std::min<size_t>(ids->size(), 5); ++i) {
      list += (i ? ", " : "") + (*ids)[i];
    }
    return Error(ErrorKind::Usage, fmt::format("'{}' matches several runs ({}{}); give more of "
                                               "the id",
                                               name, list, ids->size() > 5 ? ", ..." : ""));
  }
  return (*ids)[0];
}

Result<MetricComparison> compare_metrics(MetadataStore& store, const RunRecord& run) {
  MetricComparison comparison;
  MLOPS_TRY(current, store.metrics_of_run(run.id));
  comparison.current = std::move(*current);
  MLOPS_TRY(runs, store.list_runs({run.pipeline, "succeeded", 50}));
  for (const auto& other : *runs) {  // newest first
    if (other.id != run.id && other.started_at < run.started_at) {
      comparison.previous_run = other.id;
      MLOPS_TRY(previous, store.metrics_of_run(other.id));
      comparison.previous = std::move(*previous);
      break;
    }
  }
  return comparison;
}

}  // namespace mlops
