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

}  // namespace mlops
