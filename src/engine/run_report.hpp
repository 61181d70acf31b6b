// What a run did, stage by stage: the executor fills it in and reporters print it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <optional>

#include "engine/gate_check.hpp"
#include "exec/runner.hpp"
#include "store/metadata_store.hpp"
#include "util/duration.hpp"

namespace mlops {

enum class StageStatus {
  NotSelected,  // outside --stage/--from
  Pending,      // selected, never started (the run stopped first)
  Running,
  Succeeded,
  Failed,
  Cancelled,  // stopped by an interrupt
  Skipped,    // an upstream stage failed
  Rejected,   // a check stage said no: built-in data checks, or a model gate (exit code 3)
};

const char* stage_status_name(StageStatus status);

struct StageReport {
  StageStatus status = StageStatus::Pending;
  int attempts = 0;
  Milliseconds duration{0};  // all attempts together
  ProcessResult last;        // the last attempt's result
  std::filesystem::path log_path;
  std::string note;  // "upstream train failed", "up to date", ...

  // Caching (engine/output_cache.hpp).
  bool cached = false;                   // not run: up to date, or restored from the cache
  std::string fingerprint;               // empty when the stage is not cacheable this time
  std::vector<ArtifactVersion> inputs;   // the dep versions it read
  std::vector<ArtifactVersion> outputs;  // the out versions it wrote (or that were restored)
  // What the output cache had to warn about ("cannot cache out.bin: ..."), one line each without
  // the stage's name; the executor passes them to Reporter::warning and clears them.
  std::vector<std::string> warnings;

  // Incremental stages: the files given to the stage, and the manifest to keep on success.
  std::filesystem::path changed_deps_file;
  std::filesystem::path removed_deps_file;
  std::string incremental_manifest;  // JSON {path: digest} of every dep file now

  // A stage with a `gate:`: how the gate judged the candidate model (engine/model_steps.hpp).
  std::optional<GateOutcome> gate;
};

struct RunReport {
  std::string run_id;
  std::vector<StageReport> stages;  // indexed like Pipeline::stages
  Milliseconds duration{0};
  int interrupt_signal = 0;

  size_t count(StageStatus status) const;
  // 0 when every selected stage succeeded, 1 when one failed, 3 when a check stage rejected its
  // data (and none failed), 128 + signal when interrupted.
  int exit_code() const;
  // The run's status as recorded: "succeeded", "failed", "rejected" or "cancelled".
  const char* status_name() const;
};

// "exit code 2", "timed out after 10s", "killed by signal 9 (KILL)", "command not found: x".
std::string describe_failure(const ProcessResult& result);

}  // namespace mlops
