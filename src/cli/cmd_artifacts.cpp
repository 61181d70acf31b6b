// mlops artifacts [PATH] [--history]: the current version of every path, or every version of one.
#include <fmt/format.h>

#include "app/record_json.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/text_table.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

// The runs that took a version from the cache instead of producing it: "-", one id, or a count.
std::string reused_text(const std::vector<std::string>& runs) {
  if (runs.empty()) {
    return "-";
  }
  return runs.size() == 1 ? runs.front() : fmt::format("{} runs", runs.size());
}

}  // namespace

int artifacts_command(const ArtifactsCommand& command) {
  if (command.history && !command.path) {
    write_all(2, "mlops: error: --history needs a PATH: mlops artifacts PATH --history\n");
    return k_exit_invalid;
  }
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  MetadataStore& store = *space->store();
  std::string path = command.path ? workspace_path_argument(*command.path) : "";
  auto artifacts = command.history ? store.artifact_history(path) : store.latest_artifacts(path);
  if (!artifacts.ok()) {
    return report_query_error(artifacts.error());
  }
  if (command.query.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& artifact : *artifacts) {
      list.push_back(artifact_json(artifact));
    }
    write_all(1, json_text(list, 2) + "\n");
    return k_exit_success;
  }
  if (artifacts->empty()) {
    write_all(1, path.empty() ? "no artifacts recorded yet\n"
                              : fmt::format("no recorded versions of '{}'\n", path));
    return k_exit_success;
  }
  TextTable table(
      {"ID", "PATH", "KIND", "DIGEST", "SIZE", "WRITTEN BY", "REUSED IN", "FIRST SEEN"});
  for (const auto& artifact : *artifacts) {
    std::string producer = artifact.producer_run
                               ? *artifact.producer_run + " " + artifact.producer_stage.value_or("")
                               : "(input)";
    table.add({std::to_string(artifact.id), artifact.path, artifact.kind,
               short_digest(artifact.digest), artifact_size(artifact.kind, artifact.size), producer,
               reused_text(artifact.reused_in), artifact.created_at});
  }
  write_all(1, table.render());
  return k_exit_success;
}

}  // namespace mlops
