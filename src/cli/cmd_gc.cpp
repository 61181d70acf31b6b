// mlops gc: remove cached objects and logs that no kept run, and not the workspace, needs.
// The policy and the sweep are app/gc's; this file reads the options and says what was freed.
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/gc.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/duration.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

void print_gc_json(const GcResult& result) {
  write_all(1, json_text(nlohmann::json{{"dry_run", result.dry_run},
                                        {"freed_bytes", result.freed_bytes},
                                        {"objects_removed",
                                         result.objects_removed + result.temp_files_removed},
                                        {"log_directories_removed", result.log_directories_removed},
                                        {"runs_kept", result.runs_kept},
                                        {"runs", result.runs}},
                         2) +
                   "\n");
}

void print_gc_text(const GcResult& result, std::optional<int> keep_last) {
  uint64_t objects = result.objects_removed + result.temp_files_removed;
  size_t logs = result.log_directories_removed;
  // Say what --keep-last counted: runs in which nothing ran are not "the last N runs".
  std::string counted =
      keep_last ? fmt::format(
                      " (--keep-last counts succeeded runs that ran a stage: the newest "
                      "{} of each pipeline)",
                      *keep_last)
                : "";
  write_all(1, fmt::format("{} {} in {} cached object{} and {} log director{}; kept {} of {} "
                           "runs{}\n",
                           result.dry_run ? "would free" : "freed",
                           human_size(static_cast<int64_t>(result.freed_bytes)), objects,
                           objects == 1 ? "" : "s", logs, logs == 1 ? "y" : "ies", result.runs_kept,
                           result.runs, counted));
}

}  // namespace

int gc_command(const GcCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  GcRequest request{{command.keep_last, command.keep_days},
                    command.dry_run ? GcMode::DryRun : GcMode::Remove};
  auto result = collect_garbage(*space, request);
  if (!result.ok()) {
    return report_query_error(result.error());
  }
  if (result->runs_in_progress) {
    write_all(2, fmt::format("[mlops] gc: runs are in progress; cached objects written in the "
                             "last {} (since the oldest of them started) are kept\n",
                             format_duration(std::chrono::duration_cast<Milliseconds>(
                                 result->kept_younger_than))));
  }
  if (command.query.json) {
    print_gc_json(*result);
  } else {
    print_gc_text(*result, command.keep_last);
  }
  return k_exit_success;
}

}  // namespace mlops
