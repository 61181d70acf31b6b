#include "cli/query_support.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/run_observer.hpp"
#include "util/duration.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"
#include "util/time_format.hpp"

namespace mlops {

std::optional<Workspace> open_query_workspace_or_report(const QueryOptions& options) {
  auto space = open_query_workspace(options.store);
  if (!space.ok()) {
    report_query_error(space.error());
    return std::nullopt;
  }
  report_recovered_runs(*space);
  return std::move(*space);
}

void report_recovered_runs(const Workspace& space) {
  print_recovered(space.recovered());
}

int report_query_error(const Error& error) {
  write_all(2, fmt::format("mlops: error: {}\n", error.message()));
  return exit_code_for(error.kind());
}

std::optional<WorkspaceAndRun> open_workspace_for_run(const QueryOptions& options,
                                                      const std::string& name) {
  auto space = open_query_workspace_or_report(options);
  if (!space) {
    return std::nullopt;
  }
  auto id = resolve_run(*space->store(), name);
  if (!id.ok()) {
    report_query_error(id.error());
    return std::nullopt;
  }
  return WorkspaceAndRun{std::move(*space), *id};
}

std::string workspace_path_argument(const std::string& path) {
  if (path.starts_with("fg://")) {
    return path;  // a feature-group commit (docs/feature-store.md), not a file
  }
  std::filesystem::path workspace = current_workspace();
  std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  return workspace_relative(workspace, absolute.string()).value_or(path);
}

std::string artifact_size(const std::string& kind, int64_t size) {
  return kind == "feature_group_commit" ? fmt::format("{} rows", size) : human_size(size);
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

std::string printable(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = '?';
    }
  }
  return text;
}

std::string format_number(double value) {
  return fmt::format("{:g}", value);
}

}  // namespace mlops
