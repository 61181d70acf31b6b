// mlops lock [PIPELINE] and mlops pull --lock [PIPELINE]: the lock file (app/lock_file.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/lock_file.hpp"
#include "app/workspace_config.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_observer.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

// The pipeline, loaded and checked; nothing after printing its errors.
std::optional<CheckedPipeline> load_for_lock(const std::filesystem::path& file) {
  LoadedPipeline loaded = load_checked_pipeline(file, LoadOptions{{}, std::nullopt, "RUN_ID", {}});
  if (!loaded.checked) {
    print_pipeline_errors(loaded);
    return std::nullopt;
  }
  return std::move(*loaded.checked);
}

void print_pull(const LockPullResult& result, const std::string& file, bool json) {
  if (json) {
    nlohmann::json doc = {{"remote", result.transfer.remote},
                          {"lock", file},
                          {"objects", result.transfer.objects},
                          {"transferred", result.transfer.transferred},
                          {"already", result.transfer.already},
                          {"bytes", result.transfer.bytes},
                          {"missing", result.transfer.missing},
                          {"failed", result.transfer.failed},
                          {"restored", result.restored},
                          {"unchanged", result.unchanged},
                          {"kept", result.kept},
                          {"not_current", result.not_locked}};
    write_all(1, json_text(doc, 2) + "\n");
    return;
  }
  write_all(1, fmt::format("pulled {} of {} object(s) named by {}, {} already cached; {}\n",
                           result.transfer.transferred, result.transfer.objects, file,
                           result.transfer.already, result.transfer.remote));
  for (const auto& path : result.restored) {
    write_all(1, "restored " + path + "\n");
  }
  for (const auto& digest : result.transfer.missing) {
    write_all(2, fmt::format("mlops: error: object {} is not on the remote\n", digest));
  }
  for (const auto& message : result.transfer.failed) {
    write_all(2, "mlops: error: " + message + "\n");
  }
  for (const auto& path : result.kept) {
    write_all(2, fmt::format("mlops: warning: {} holds other content than {} names; left "
                             "alone (remove it and pull again to replace it)\n",
                             path, file));
  }
  for (const auto& stage : result.not_locked) {
    write_all(2, fmt::format("mlops: warning: stage {} was not current when {} was written: "
                             "nothing to fetch for it\n",
                             stage, file));
  }
}

}  // namespace

int lock_command(const LockCommand& command) {
  auto checked = load_for_lock(command.pipeline);
  if (!checked) {
    return k_exit_invalid;
  }
  auto space =
      Workspace::open(checked->pipeline.workspace, command.query.store, StoreMode::IfExists);
  if (!space.ok()) {
    return report_run_error(space.error());
  }
  auto lock = write_lock(*space, *checked);
  if (!lock.ok()) {
    return report_run_error(lock.error());
  }
  std::string file = lock_path_for(checked->pipeline.file).string();
  if (command.query.json) {
    write_all(1, lock_text(*lock));
    return k_exit_success;
  }
  size_t current = 0;
  for (const LockedStage& stage : lock->stages) {
    current += stage.current ? 1 : 0;
    if (!stage.current) {
      write_all(2, fmt::format("mlops: warning: stage {} has no succeeded run as it is now; "
                               "{} lists it as not current (run it, then lock again)\n",
                               stage.name, file));
    }
  }
  write_all(
      1, fmt::format("wrote {}: {} of {} stage(s) current\n", file, current, lock->stages.size()));
  return k_exit_success;
}

int lock_pull_command(const TransferCommand& command) {
  if (command.runs.size() > 1) {
    write_all(2, "mlops: error: pull --lock takes one pipeline file, not runs or paths\n");
    return k_exit_invalid;
  }
  auto checked = load_for_lock(command.runs.empty() ? "pipeline.yaml" : command.runs.front());
  if (!checked) {
    return k_exit_invalid;
  }
  auto space =
      Workspace::open(checked->pipeline.workspace, command.query.store, StoreMode::IfExists);
  if (!space.ok()) {
    return report_run_error(space.error());
  }
  auto remote = chosen_remote(space->root(), command.remote, checked->pipeline.remote);
  if (!remote.ok()) {
    return report_run_error(remote.error());
  }
  if (!*remote) {
    write_all(2, "mlops: error: " + no_remote_message() + "\n");
    return k_exit_invalid;
  }
  LockPullRequest request{**remote, command.jobs, !command.no_checkout, {}};
  auto result = pull_lock(*space, *checked, request);
  if (!result.ok()) {
    return report_run_error(result.error());
  }
  print_pull(*result, lock_path_for(checked->pipeline.file).string(), command.query.json);
  // An object the remote lacks or that fails its digest check: the lock names something that
  // was never pushed, or was tampered with.
  if (!result->transfer.missing.empty() || !result->transfer.failed.empty()) {
    return k_exit_invalid;
  }
  return result->kept.empty() ? k_exit_success : k_exit_stage_failed;
}

}  // namespace mlops
