// The run loop: start ready stages up to the job limit, wait for results, retry, stop.
//
// Policies, in one place:
// - A stage starts the moment its last selected upstream stage succeeds (dag/schedule.hpp).
// - A failed attempt is retried after `retry_delay` while attempts remain; a timeout counts as a
//   failure. A cancelled attempt is never retried.
// - On a stage's final failure, the stages downstream of it are skipped. Without keep_going the
//   run also starts nothing new (pending retries included) and lets running stages finish.
// - A stage never inherits its outputs: before its first attempt they are moved aside
//   (engine/outputs_aside.hpp), so one it does not write fails it instead of being recorded.
//   Its workdir and outs must not lead outside the workspace through a symbolic link: such an
//   attempt fails without starting.
// - On an interrupt (SIGINT, SIGTERM, SIGHUP) it starts nothing new and cancels running stages;
//   a second interrupt kills them at once. Running stages end as Cancelled.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dag/graph.hpp"
#include "engine/model_steps.hpp"
#include "engine/output_cache.hpp"
#include "engine/outputs_aside.hpp"
#include "engine/reporter.hpp"
#include "engine/run_report.hpp"
#include "engine/stage_hook.hpp"
#include "exec/runner.hpp"
#include "spec/pipeline.hpp"
#include "util/clock.hpp"

namespace mlops {

struct RunOptions {
  std::string run_id;
  size_t jobs = 1;
  bool keep_going = false;
  std::filesystem::path log_dir;  // absolute; one log file per stage attempt
  // The environment every stage starts from (mlops's own); pipeline and stage env go on top.
  std::vector<std::pair<std::string, std::string>> base_env;
  // Before a stage's first attempt, move its existing outs and metrics files aside
  // (engine/outputs_aside.hpp: put back if it fails, dropped if it succeeds); after it exits 0,
  // check that they exist: a missing one fails it, named. Off for plans and dry runs.
  bool check_outputs = true;
  // The mlops binary that runs built-in stages (`uses: validate`, ...; their argv[0] is
  // "mlops"); empty: "mlops" from the PATH.
  std::filesystem::path mlops_binary;
  // The metadata store the run records into; built-in stages get it as MLOPS_STORE, so that a
  // `uses: validate` stage reads its history checks from the store of `mlops run --store X`.
  std::filesystem::path store_path;
};

class Executor {
 public:
  Executor(const Pipeline& pipeline, const Graph& graph, std::vector<bool> selected, Runner& runner,
           Reporter& reporter, const Clock& clock, RunOptions options);

  // Skip or restore stages whose inputs did not change (null: run every stage).
  void set_cache(OutputCache* cache) { m_cache = cache; }
  // Register model versions, judge gates and materialize ${models.*} (null: none of it).
  void set_models(ModelSteps* models) { m_models = models; }
  // Called when a stage succeeded, before its models (null: nothing).
  void set_success_hook(StageSuccessHook* hook) { m_success_hook = hook; }

  RunReport run();

  // The request for one attempt of a stage: argv, full environment, workdir and log path.
  ProcessRequest make_request(size_t stage, int attempt) const;

  // "did not write its output 'x'" for the first declared output missing, else nothing.
  std::optional<std::string> missing_output(size_t stage) const;

  // What became of each stage so far: run, restored or up to date (OutputCache's planning).
  const StageFates& fates() const { return m_fates; }

 private:
  struct Loop;  // the state of one run() (executor.cpp)
  void launch(Loop& loop, size_t stage);
  bool settle_from_cache(Loop& loop, size_t stage);
  void finish(Loop& loop, ProcessResult result);
  void fail(Loop& loop, size_t stage);
  void reject(Loop& loop, size_t stage, const std::string& why, bool cache_finished);
  // After a stage succeeded: its model versions and gate. False when it ended otherwise
  // (failed: the registry could not be written; rejected: the gate said no).
  bool apply_models(Loop& loop, size_t stage, bool cache_finished);
  // The success hook, then the models; false when the stage ended otherwise.
  bool after_success(Loop& loop, size_t stage, bool cache_finished);
  void drop_retries(Loop& loop, StageStatus status);
  void launch_ready(Loop& loop);
  void wait_for_processes(Loop& loop);
  // Sets the stage's outs aside before an attempt; why it cannot run, if so.
  std::optional<std::string> prepare_outputs(size_t stage, bool first_attempt);
  void put_back_outputs(size_t stage);

  const Pipeline& m_pipeline;
  const Graph& m_graph;
  std::vector<bool> m_selected;
  Runner& m_runner;
  Reporter& m_reporter;
  const Clock& m_clock;
  RunOptions m_options;
  OutputCache* m_cache = nullptr;
  ModelSteps* m_models = nullptr;
  StageSuccessHook* m_success_hook = nullptr;
  StageFates m_fates;
  std::optional<OutputsAside> m_aside;  // with check_outputs
};

}  // namespace mlops
