// Running a pipeline, for `mlops run` and for the runs triggers start (`mlops trigger check`,
// `mlops watch`), which add a cause, trigger state to advance with the run, and a lock they
// already hold.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.hpp"
#include "store/metadata_store.hpp"
#include "util/file_lock.hpp"

namespace mlops {

struct RunExtras {
  std::string cause = "manual";
  std::optional<std::string> cause_detail;
  // Written in the same transaction as the run row; if another process advanced one of them
  // first, nothing runs (RunOutcome::conflict).
  std::vector<TriggerAdvance> advances;
  // The pipeline's workspace lock, when the caller already holds it.
  std::optional<FileLock> pipeline_lock;
  // Called once the run is recorded, before any stage starts.
  std::function<void(const std::string& run_id)> on_recorded;
  std::vector<std::pair<std::string, std::string>> env;  // added to every stage's environment
  int out_fd = 1;                                        // where progress lines go
};

struct RunOutcome {
  int exit_code = 0;
  std::string run_id;
  bool started = false;   // the run was recorded and its stages scheduled
  bool conflict = false;  // another process had already started a run for these triggers
};

RunOutcome run_pipeline(const RunCommand& command, RunExtras extras);

// The lock that keeps two runs of one pipeline in one workspace apart.
std::filesystem::path pipeline_lock_path(const std::filesystem::path& workspace,
                                         const std::string& pipeline);

}  // namespace mlops
