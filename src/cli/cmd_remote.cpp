// mlops push / mlops pull: cached outputs to and from a remote (docs/remotes.md).
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/remote_sync.hpp"
#include "app/workspace_config.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"

namespace mlops {

int transfer_command(const TransferCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto remote = chosen_remote(space->root(), command.remote);
  if (!remote.ok()) {
    return report_query_error(remote.error());
  }
  if (!*remote) {
    write_all(2,
              "mlops: error: no remote: give --remote URL, set MLOPS_REMOTE, or put `remote = "
              "URL` in .mlops/config (a directory as an absolute path or file:///path; "
              "docs/remotes.md)\n");
    return k_exit_invalid;
  }
  TransferRequest request{**remote, command.runs, command.all_runs, command.jobs};
  auto summary = command.push ? push_outputs(*space, request) : pull_outputs(*space, request);
  if (!summary.ok()) {
    return report_query_error(summary.error());
  }
  const char* verb = command.push ? "pushed" : "pulled";
  if (command.query.json) {
    nlohmann::json doc = {{"remote", summary->remote},
                          {"objects", summary->objects},
                          {"transferred", summary->transferred},
                          {"already", summary->already},
                          {"bytes", summary->bytes},
                          {"missing", summary->missing},
                          {"failed", summary->failed}};
    write_all(1, doc.dump(2) + "\n");
  } else {
    write_all(1, fmt::format("{} {} of {} object(s) ({}), {} already {}; {}\n", verb,
                             summary->transferred, summary->objects,
                             human_size(static_cast<int64_t>(summary->bytes)), summary->already,
                             command.push ? "there" : "cached", summary->remote));
    for (const auto& digest : summary->missing) {
      write_all(2, fmt::format("mlops: warning: {} is on neither side (it was not cached when "
                               "its run ran)\n",
                               digest));
    }
    for (const auto& message : summary->failed) {
      write_all(2, fmt::format("mlops: error: {}\n", message));
    }
    if (!command.push && summary->transferred > 0) {
      write_all(2, "restore them into the workspace with `mlops checkout RUN`\n");
    }
  }
  return summary->failed.empty() ? k_exit_success : k_exit_stage_failed;
}

}  // namespace mlops
