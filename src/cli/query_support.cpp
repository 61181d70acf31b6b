#include "cli/query_support.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "cli/store_access.hpp"
#include "util/duration.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"
#include "util/time_format.hpp"

namespace mlops {

std::unique_ptr<SqliteStore> open_existing_store(const QueryOptions& options) {
  std::filesystem::path workspace = current_workspace();
  std::filesystem::path path = resolve_store_path(options.store, workspace);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    write_all(2, fmt::format("mlops: error: no metadata store at {}; run a pipeline with `mlops "
                             "run` first, or name the store with --store or MLOPS_STORE\n",
                             path.string()));
    return nullptr;
  }
  return open_store_or_report(path);
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

int report_query_error(const Error& error) {
  write_all(2, fmt::format("mlops: error: {}\n", error.message()));
  return 2;
}

std::optional<StoreAndRun> open_store_for_run(const QueryOptions& options,
                                              const std::string& name) {
  auto store = open_existing_store(options);
  if (!store) {
    return std::nullopt;
  }
  auto id = resolve_run(*store, name);
  if (!id.ok()) {
    report_query_error(id.error());
    return std::nullopt;
  }
  return StoreAndRun{std::move(store), *id};
}

std::string workspace_path_argument(const std::string& path) {
  std::filesystem::path workspace = current_workspace();
  std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  return workspace_relative(workspace, absolute.string()).value_or(path);
}

std::string short_digest(const std::string& digest) {
  return digest.substr(0, 12);
}

std::string run_duration(const std::string& started, const std::optional<std::string>& ended) {
  if (!ended) {
    return "-";
  }
  auto difference = iso_difference(started, *ended);
  return difference ? format_duration(*difference) : "-";
}

std::string format_number(double value) {
  return fmt::format("{:g}", value);
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
