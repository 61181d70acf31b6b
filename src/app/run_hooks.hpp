// Notification hooks: `on_failure:`, `on_rejected:` and `on_success:` of a pipeline
// (docs/pipeline-format.md, "Notifications").
//
// Once a run's outcome is final and recorded, the hook matching it runs as a stage does: /bin/sh
// -c COMMAND on the ProcessRunner (its own session and process group, killed with whatever it
// started at its timeout or on Ctrl-C), with the run's summary as JSON on its stdin and in the
// file MLOPS_RUN_SUMMARY_FILE, and the main facts in MLOPS_* variables. Its output goes to
// .mlops/logs/RUN/hooks/HOOK.log, never to mlops' stdout. Its execution is recorded in the store
// (hook_executions). Whatever the hook does — fails, hangs, is missing — the run's outcome and
// exit code stay as they were: the caller gets a warning to show.
//
// Which hook: on_success for exit 0, on_failure for exit 1 (a stage failed), on_rejected for
// exit 3 (a data check or model gate rejected the run). An interrupted run (Ctrl-C, SIGTERM)
// runs none: its user is there, or is stopping mlops on purpose.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/run_report.hpp"
#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

// The format of the summary (its "version" field); bumped on an incompatible change.
inline constexpr int k_run_summary_version = 1;

// What the summary is made of.
struct RunSummaryInput {
  const Pipeline* pipeline = nullptr;
  const RunReport* report = nullptr;
  std::string run_id;
  std::string hook;  // on_failure | on_rejected | on_success
  std::string started_at;
  std::string finished_at;
  std::optional<RunRecord> run;       // the store's row (name, tags, cause, commit), if any
  std::vector<MetricRecord> metrics;  // the run's metrics, if recorded
  std::optional<std::string> junit;   // the JUnit report written, as given
  std::filesystem::path log_dir;      // the run's log directory (absolute)
};

// The hook an outcome calls ("" and null when none: an interrupted run, or no such hook).
struct ChosenHook {
  std::string name;
  const HookSpec* spec = nullptr;
};
ChosenHook choose_hook(const PipelineHooks& hooks, const RunReport& report);

// The JSON a hook reads (docs/pipeline-format.md, "Notifications"). Values of the pipeline's
// env: (stage and pipeline) never appear in it: any found in a message is replaced by "***".
nlohmann::json run_summary(const RunSummaryInput& input);

// How running a hook went: what to record, and a warning for the user when it did not succeed.
struct HookRun {
  HookExecutionRecord record;
  std::optional<std::string> warning;
};

// Writes the summary file, runs the hook with `hook.timeout`, and returns how it ended (never
// an error: a hook cannot fail the run). `base_env` is mlops' environment; the MLOPS_* hook
// variables are added to it.
HookRun run_hook(const HookSpec& hook, const RunSummaryInput& input,
                 std::vector<std::pair<std::string, std::string>> base_env);

}  // namespace mlops
