// Running a pipeline: the service behind `mlops run`, and behind the runs that triggers start
// (`mlops trigger check`, `mlops watch`), which add a cause, trigger state to advance with the
// run, and a pipeline lock they already hold.
//
// run_pipeline() loads and checks the pipeline, selects stages, and then either plans (dry run:
// app/plan.hpp, nothing written) or runs: it takes the pipeline's lock (two runs of one pipeline
// in one workspace would overwrite each other's outputs), opens the workspace's store, records
// the run (advancing the trigger states in the same transaction), runs the executor with the
// output cache, the store recorder and the front end's reporters, and writes the JUnit report.
// It never prints: the front end hears everything through a RunObserver and its reporters.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/pipeline_loading.hpp"
#include "app/run_labels.hpp"
#include "app/workspace.hpp"
#include "engine/reporter.hpp"
#include "engine/run_report.hpp"
#include "exec/runner.hpp"
#include "store/metadata_store.hpp"
#include "util/clock.hpp"
#include "util/environment.hpp"
#include "util/error.hpp"
#include "util/file_lock.hpp"

namespace mlops {

struct RunRequest {
  std::filesystem::path pipeline;   // the pipeline file
  std::vector<std::string> params;  // KEY=VALUE overrides (-p)
  std::optional<std::filesystem::path> params_file;
  std::vector<std::string> set_params;    // KEY=VALUE (-S), after -p
  bool save_params = false;               // also write set_params into the params files
  std::vector<std::string> stages;        // --stage: these and what they need
  std::vector<std::string> from;          // --from: these and what is downstream
  bool force = false;                     // run every selected stage
  std::vector<std::string> force_stages;  // run these even if up to date
  bool keep_going = false;
  size_t jobs = 0;                             // 0: the number of cores
  bool dry_run = false;                        // plan only; nothing run or written
  bool record = true;                          // false: no store at all (--no-record)
  std::optional<std::filesystem::path> store;  // --store
  std::optional<std::filesystem::path> junit;  // write a JUnit report here

  // For runs that triggers start.
  std::string cause = "manual";
  std::optional<std::string> cause_detail;
  // Written in the same transaction as the run row; if another process advanced one of them
  // first, nothing runs (RunOutcome::conflict).
  std::vector<TriggerAdvance> advances;
  EnvironmentList extra_env;  // added to every stage's environment
  // The pipeline's lock, when the caller holds it (shared, so that requests stay copyable).
  std::shared_ptr<FileLock> pipeline_lock;
  // --pull: a stage whose outputs this machine lacks takes them from the remote (the store's
  // record, or the remote's run-cache index) instead of running. The remote: `remote`, else
  // as app/workspace_config.hpp chooses it.
  bool pull = false;
  std::optional<std::string> remote;
  // The first run of a pipeline adds its outs to the workspace's .gitignore (app/gitignore.hpp);
  // false: --no-gitignore.
  bool gitignore = true;
  // --name, --tag, --note: recorded with the run; checked before anything runs (Usage).
  RunLabels labels;
  // The pipeline's on_failure/on_rejected/on_success hook runs once the outcome is recorded
  // (app/run_hooks.hpp); false: --no-hooks.
  bool hooks = true;
  // --lock: after the run, write PIPELINE.lock from the store (app/lock_file.hpp); needs the
  // store (Usage with record = false).
  bool write_lock = false;
};

struct RunOutcome {
  // Set when nothing was run (invalid pipeline or selection, unusable workspace or store, the
  // pipeline already running); its kind maps to the exit code (cli/exit_codes.hpp).
  std::optional<Error> error;
  std::string run_id;
  bool started = false;   // the run was recorded (or, without a store, begun)
  bool conflict = false;  // another process had already started a run for these triggers
  RunReport report;       // what the stages did
  // 0 when every selected stage succeeded, 1 when one failed, 128 + signal when interrupted;
  // 2 when `error` is set.
  int exit_code() const;
};

// What a front end attaches to a run. Every method has a default that does nothing.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // The pipeline file has errors; nothing ran.
  virtual void pipeline_invalid(const LoadedPipeline& /*loaded*/) {}
  // Runs found interrupted (their mlops died) while opening the store.
  virtual void recovered(const std::vector<RecoveredRun>& /*runs*/) {}
  // The reporters to attach once the pipeline is loaded (terminal, GitHub Actions, ...); they
  // must outlive the call to run_pipeline().
  virtual std::vector<Reporter*> reporters(const Pipeline& /*pipeline*/, bool /*dry_run*/) {
    return {};
  }
  // The run is recorded; no stage has started yet.
  virtual void recorded(const std::string& /*run_id*/) {}
  // A problem that did not stop the run (a report that could not be written).
  virtual void warning(const std::string& /*message*/) {}
  // Something the run did besides its stages that the user should know (.gitignore updated).
  virtual void notice(const std::string& /*message*/) {}
  // The run ended; its rows are in the store (null without one).
  virtual void finished(const Pipeline& /*pipeline*/, const RunReport& /*report*/,
                        MetadataStore* /*store*/) {}
};

// The process runner and clocks a run uses; tests put fakes here.
struct RunSeams {
  // Makes the runner for a run; empty: the real ProcessRunner (exec/process_runner.hpp).
  std::function<std::unique_ptr<Runner>(const Pipeline& pipeline, OutputSink& sink)> make_runner;
  const Clock* clock = nullptr;  // null: the steady system clock
  // Called after the decision to run and before the run is recorded (tests inject a crash).
  std::function<void()> before_record;
};

RunOutcome run_pipeline(RunRequest request, RunObserver& observer, const RunSeams& seams = {});

}  // namespace mlops
