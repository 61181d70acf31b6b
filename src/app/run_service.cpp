#include "app/run_service.hpp"

#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "app/cache_lock.hpp"
#include "app/feature_steps.hpp"
#include "app/gitignore.hpp"
#include "app/lock_file.hpp"
#include "app/models.hpp"
#include "app/params_save.hpp"
#include "app/plan.hpp"
#include "app/run_cache_index.hpp"
#include "app/run_hooks.hpp"
#include "app/run_record.hpp"
#include "app/stage_runner.hpp"
#include "app/workspace_config.hpp"
#include "cache/restore_temps.hpp"
#include "dag/selection.hpp"
#include "engine/executor.hpp"
#include "engine/output_cache.hpp"
#include "engine/reporter_list.hpp"
#include "engine/run_id.hpp"
#include "engine/run_recorder.hpp"
#include "engine/store_digest_memo.hpp"
#include "exec/process_runner.hpp"
#include "report/junit.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// One run between loading and the end: what each step needs from the ones before.
struct RunContext {
  RunRequest& request;
  RunObserver& observer;
  const RunSeams& seams;
  RunOutcome& outcome;
  CheckedPipeline checked;
  std::vector<bool> selected;
  std::optional<Workspace> workspace;
  std::optional<FileLock> run_lock;
  std::string started_at;
  std::unique_ptr<OutputSource> source;  // --pull
};

RunOutcome& failed(RunOutcome& outcome, ErrorKind kind, std::string message) {
  outcome.error = Error(kind, std::move(message));
  return outcome;
}

size_t job_count(size_t requested) {
  return requested > 0 ? requested : std::max<size_t>(1, std::thread::hardware_concurrency());
}

// "another mlops process", or the run the store says is going.
std::string describe_running(const Pipeline& pipeline, MetadataStore* store) {
  if (store) {
    auto runs = store->list_runs({pipeline.name, "running", 1});
    if (runs.ok() && !runs->empty()) {
      const RunRecord& run = runs->front();
      return fmt::format("run {} (mlops pid {} on {}, started {})", run.id, run.owner_pid, run.host,
                         run.started_at);
    }
  }
  return "another mlops process";
}

// The report's and the logs' directories, made before anything runs: a JUnit path that cannot
// be written fails now, not after an hour of training.
std::optional<Error> make_directories(const RunContext& run, const std::filesystem::path& logs) {
  std::error_code error;
  const auto& junit = run.request.junit;
  if (junit && junit->has_parent_path()) {
    std::filesystem::create_directories(junit->parent_path(), error);
    if (error) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot create the directory of the JUnit report {}: {}",
                               junit->string(), error.message()));
    }
  }
  std::filesystem::create_directories(logs, error);
  if (error) {
    return Error(
        ErrorKind::Io,
        fmt::format("cannot create the log directory {}: {}; check that the workspace "
                    "{} is writable",
                    logs.string(), error.message(), run.checked.pipeline.workspace.string()));
  }
  return std::nullopt;
}

// With a PostgreSQL store, the pipeline's lock in the store too (a session advisory lock, held
// by the workspace's connection until the run ends or its mlops dies): one run of a pipeline at a
// time across machines, refused as a second local run is.
std::optional<Error> lock_pipeline_in_store(RunContext& run) {
  const Pipeline& pipeline = run.checked.pipeline;
  MetadataStore* store = run.workspace->store();
  if (!store || !run.workspace->shared_store()) {
    return std::nullopt;
  }
  auto locked = store->try_lock_pipeline(pipeline.name);
  if (!locked.ok()) {
    return locked.error();
  }
  if (!*locked) {
    return Error(
        ErrorKind::Conflict,
        fmt::format("pipeline '{}' is already running (on another machine sharing the "
                    "store {}): {}.\n"
                    "  Two runs would overwrite each other's outputs; wait for it to "
                    "finish, or stop it (Ctrl-C or kill) and run again.",
                    pipeline.name, run.workspace->store_name(), describe_running(pipeline, store)));
  }
  return std::nullopt;
}

// Holds the pipeline's lock (taken here unless the caller holds it), and its lock in a shared
// store.
std::optional<Error> lock_pipeline(RunContext& run) {
  const Pipeline& pipeline = run.checked.pipeline;
  if (run.request.pipeline_lock) {
    return lock_pipeline_in_store(run);
  }
  auto acquired = FileLock::try_acquire(run.workspace->pipeline_lock_path(pipeline.name));
  if (!acquired.ok()) {
    return acquired.error();
  }
  if (!acquired->has_value()) {
    return Error(ErrorKind::Conflict,
                 fmt::format("pipeline '{}' is already running in this workspace: {}.\n"
                             "  Two runs would overwrite each other's outputs; wait for it to "
                             "finish, or stop it (Ctrl-C or kill) and run again.",
                             pipeline.name, describe_running(pipeline, run.workspace->store())));
  }
  run.request.pipeline_lock = std::make_shared<FileLock>(std::move(**acquired));
  return lock_pipeline_in_store(run);
}

// Writes the run row (with the trigger advances). Conflict: a trigger state moved meanwhile.
Status record_run(RunContext& run, RunRecorder& recorder) {
  const std::string& run_id = run.outcome.run_id;
  auto lock = FileLock::try_acquire(run.workspace->run_lock_path(run_id));
  if (!lock.ok() || !lock->has_value()) {
    return Error(ErrorKind::Io, fmt::format("cannot lock run {} beside the store {}", run_id,
                                            run.workspace->store_name()));
  }
  run.run_lock = std::move(**lock);
  std::vector<std::string> warnings;
  RunRecord record = make_run_record(run.checked.pipeline, run_id, warnings);
  for (const auto& warning : warnings) {
    run.observer.warning(warning);
  }
  record.cause = run.request.cause;
  record.cause_detail = run.request.cause_detail;
  MLOPS_CHECK(apply_run_labels(run.request.labels, record));  // checked in run_pipeline
  Status begun = recorder.begin(record, run.request.advances);
  if (!begun.ok()) {
    run.run_lock->remove();
    run.run_lock.reset();
  }
  return begun;
}

RunOptions run_options(const RunContext& run) {
  RunOptions options;
  options.run_id = run.outcome.run_id;
  options.jobs = job_count(run.request.jobs);
  options.keep_going = run.request.keep_going;
  options.log_dir = run.workspace->log_dir(run.outcome.run_id);
  options.base_env = current_environment();
  options.mlops_binary = current_executable();
  options.store_path = run.workspace->store_path();  // absolute, or a PostgreSQL locator
  for (const auto& [key, value] : run.request.extra_env) {
    set_env(options.base_env, key, value);
  }
  return options;
}

void write_junit(RunContext& run, const RunReport& report) {
  if (!run.request.junit) {
    return;
  }
  JunitRunInfo info{run.outcome.run_id, run.started_at, host_name()};
  Status written =
      write_file_atomic(*run.request.junit, junit_xml(run.checked.pipeline, report, info));
  if (!written.ok()) {
    run.observer.warning(fmt::format("cannot write the JUnit report {}: {}",
                                     run.request.junit->string(), written.error().message()));
  }
}

// Runs the selected stages with the cache, the recorder (if any) and the front end's reporters.
void execute(RunContext& run, RunRecorder* recorder) {
  const Pipeline& pipeline = run.checked.pipeline;
  MetadataStore* store = run.workspace->store();
  std::optional<StoreDigestMemo> memo;
  std::optional<OutputCache> cache;
  if (store) {
    memo.emplace(*store);
    OutputCacheOptions cache_options;
    cache_options.force = run.request.force;
    for (const auto& [key, value] : run.request.extra_env) {
      if (key.starts_with("MLOPS_FG_")) {
        cache_options.command_env.emplace_back(key, value);
      }
    }
    cache_options.force_stages.insert(run.request.force_stages.begin(),
                                      run.request.force_stages.end());
    cache_options.source = run.source.get();
    cache.emplace(*store, run.workspace->objects(), *memo, pipeline, cache_options);
  }
  std::vector<Reporter*> reporters;
  if (recorder) {
    reporters.push_back(recorder);
  }
  for (Reporter* reporter : run.observer.reporters(pipeline, false)) {
    reporters.push_back(reporter);
  }
  ReporterList reporter(reporters);
  SystemClock system_clock;
  const Clock& clock = run.seams.clock ? *run.seams.clock : system_clock;
  std::unique_ptr<Runner> runner =
      run.seams.make_runner
          ? run.seams.make_runner(pipeline, reporter)
          : make_stage_runner(pipeline, run.selected, reporter, run.outcome.run_id);
  Executor executor(pipeline, run.checked.graph, run.selected, *runner, reporter, clock,
                    run_options(run));
  if (cache) {
    executor.set_cache(&*cache);
  }
  std::optional<ModelSteps> models;
  if (store && recorder) {
    Workspace& space = *run.workspace;
    models.emplace(pipeline, *store, run.outcome.run_id, model_actor(),
                   [&space](const ModelVersionRecord& version, const ModelRef& ref) -> Status {
                     auto path = materialize_model(space, version, ref.selector);
                     return path.ok() ? Status::success() : Status(path.error());
                   });
    executor.set_models(&*models);
  }
  std::optional<FeatureSteps> features;
  if (FeatureSteps::needed(pipeline)) {
    features.emplace(pipeline, run.outcome.run_id);
    executor.set_success_hook(&*features);
  }
  run.outcome.report = executor.run();
  runner.reset();
  write_junit(run, run.outcome.report);
  if (memo) {
    store->set_write_wait(std::chrono::milliseconds(100));  // only costs re-reading next time
    memo->flush();
    store->set_write_wait(std::chrono::seconds(30));
  }
  run.observer.finished(pipeline, run.outcome.report, store);
}

// The pipeline's hook for this outcome, once the run is recorded as ended (app/run_hooks.hpp).
// Whatever the hook does, the outcome stays as it is; problems become warnings.
void notify(RunContext& run) {
  const Pipeline& pipeline = run.checked.pipeline;
  ChosenHook chosen = choose_hook(pipeline.hooks, run.outcome.report);
  if (!run.request.hooks || chosen.spec == nullptr) {
    return;
  }
  RunSummaryInput input;
  input.pipeline = &pipeline;
  input.report = &run.outcome.report;
  input.run_id = run.outcome.run_id;
  input.hook = chosen.name;
  input.started_at = run.started_at;
  input.finished_at = now_utc_iso();
  input.junit = run.request.junit ? std::optional(run.request.junit->string()) : std::nullopt;
  input.log_dir = run.workspace->log_dir(run.outcome.run_id);
  MetadataStore* store = run.workspace->store();
  if (store) {
    if (auto found = store->find_run(run.outcome.run_id); found.ok() && found->has_value()) {
      input.run = std::move(**found);
      input.started_at = input.run->started_at;
      input.finished_at = input.run->ended_at.value_or(input.finished_at);
    }
    if (auto metrics = store->metrics_of_run(run.outcome.run_id); metrics.ok()) {
      input.metrics = std::move(*metrics);
    }
  }
  HookRun done = run_hook(*chosen.spec, input, run_options(run).base_env);
  if (store) {
    if (Status recorded = store->record_hook_execution(done.record); !recorded.ok()) {
      run.observer.warning(fmt::format("cannot record the {} hook in {}: {}", chosen.name,
                                       run.workspace->store_name(), recorded.error().message()));
    }
  }
  if (done.warning) {
    run.observer.warning(*done.warning);
  }
}

// Opens the workspace (for a dry run: without creating a store).
// --pull: the remote a stage's missing outputs come from (opened before anything runs, so a bad
// remote stops the run at once).
std::optional<Error> open_source(RunContext& run) {
  if (!run.request.pull) {
    return std::nullopt;
  }
  if (run.workspace->store() == nullptr && !run.request.record) {
    return Error(ErrorKind::Usage,
                 "--pull needs the metadata store (it finds outputs by their stage's "
                 "fingerprint): drop --no-record");
  }
  auto url = chosen_remote(run.workspace->root(), run.request.remote, run.checked.pipeline.remote);
  if (!url.ok()) {
    return url.error();
  }
  if (!*url) {
    return Error(ErrorKind::Usage, no_remote_message());
  }
  auto remote = open_remote(**url);
  if (!remote.ok()) {
    return remote.error();
  }
  run.source = remote_output_source(std::move(*remote), run.workspace->objects(), 4);
  return std::nullopt;
}

std::optional<Error> open_workspace(RunContext& run) {
  StoreMode mode = !run.request.record   ? StoreMode::None
                   : run.request.dry_run ? StoreMode::IfExists
                                         : StoreMode::Create;
  auto opened = Workspace::open(run.checked.pipeline.workspace, run.request.store, mode);
  if (!opened.ok()) {
    return opened.error();
  }
  run.workspace.emplace(std::move(*opened));
  if (!run.workspace->recovered().empty()) {
    run.observer.recovered(run.workspace->recovered());
  }
  return open_source(run);
}

void plan_only(RunContext& run) {
  PlanOptions options;
  options.selected = run.selected;
  options.force = run.request.force;
  options.force_stages.insert(run.request.force_stages.begin(), run.request.force_stages.end());
  options.jobs = job_count(run.request.jobs);
  options.source = run.source.get();
  std::vector<Reporter*> reporters = run.observer.reporters(run.checked.pipeline, true);
  ReporterList reporter(reporters);
  plan_run(*run.workspace, run.checked, options, &reporter);
}

// Removes what restores killed in an earlier run left beside this pipeline's outputs: under the
// pipeline's lock, before anything is restored or run (cache/restore_temps.hpp).
void remove_stale_temps(RunContext& run) {
  const Pipeline& pipeline = run.checked.pipeline;
  std::vector<std::filesystem::path> targets;
  for (const auto& stage : pipeline.stages) {
    for (const auto* paths : {&stage.outs, &stage.metrics}) {
      for (const auto& path : *paths) {
        targets.emplace_back(path.value);
      }
    }
  }
  size_t removed = remove_restore_temps(pipeline.workspace, targets);
  if (removed > 0) {
    run.observer.warning(fmt::format("removed {} temporary file{} left by an interrupted restore",
                                     removed, removed == 1 ? "" : "s"));
  }
}

// The first run of a pipeline in a git workspace (.git or a .gitignore at its root) adds the
// pipeline's outs to .gitignore, and says so.
void ignore_outputs_on_first_run(RunContext& run) {
  MetadataStore* store = run.workspace->store();
  const Pipeline& pipeline = run.checked.pipeline;
  if (!run.request.gitignore || store == nullptr) {
    return;
  }
  auto earlier = store->list_runs({pipeline.name, std::nullopt, 1});
  std::error_code error;
  if (!earlier.ok() || !earlier->empty() ||
      (!std::filesystem::exists(pipeline.workspace / ".git", error) &&
       !std::filesystem::exists(pipeline.workspace / ".gitignore", error))) {
    return;
  }
  auto added = add_to_gitignore(pipeline.workspace, output_ignore_lines(pipeline),
                                fmt::format("mlops: the outputs of pipeline {} (the cache and a "
                                            "remote keep them; `mlops run --no-gitignore` "
                                            "leaves this file alone)",
                                            pipeline.name));
  if (!added.ok()) {
    run.observer.warning("cannot add the outputs to .gitignore: " + added.error().message());
  } else if (!added->empty()) {
    run.observer.notice(
        fmt::format("added {} output{} of this first run of {} to .gitignore "
                    "(--no-gitignore: leave it alone)",
                    added->size(), added->size() == 1 ? "" : "s", pipeline.name));
  }
}

// Everything after loading: lock, record, run. Returns with outcome filled.
void lock_record_and_run(RunContext& run) {
  RunOutcome& outcome = run.outcome;
  // Shared with other runs for the whole run: a gc must not sweep objects this run saves before
  // its recorder has committed their references (app/cache_lock.hpp).
  auto cache_use = acquire_cache_use(*run.workspace);
  if (!cache_use.ok()) {
    outcome.error = cache_use.error();
    return;
  }
  if (auto error = make_directories(run, run.workspace->log_dir(outcome.run_id))) {
    outcome.error = *error;
    return;
  }
  if (auto error = lock_pipeline(run)) {
    outcome.error = *error;
    return;
  }
  remove_stale_temps(run);
  ignore_outputs_on_first_run(run);
  if (run.seams.before_record) {
    run.seams.before_record();
  }
  std::optional<RunRecorder> recorder;
  if (MetadataStore* store = run.workspace->store()) {
    recorder.emplace(*store, run.checked.pipeline, outcome.run_id);
    recorder->set_journal(run.workspace->journal_path(outcome.run_id));
    recorder->set_heartbeat(heartbeat_interval());
    if (const char* wait = test_hook("MLOPS_TEST_STORE_END_WAIT_MS")) {
      recorder->set_end_wait(std::chrono::milliseconds(std::atoi(wait)));  // tests only
    }
    Status begun = record_run(run, *recorder);
    if (!begun.ok() && begun.error().kind() == ErrorKind::Conflict) {
      outcome.conflict = true;
      return;
    }
    if (!begun.ok()) {
      failed(outcome, ErrorKind::Io,
             fmt::format("cannot record the run in {}: {}; nothing was run",
                         run.workspace->store_name(), begun.error().message()));
      return;
    }
  }
  outcome.started = true;
  run.observer.recorded(outcome.run_id);
  execute(run, recorder ? &*recorder : nullptr);
  notify(run);
  if (run.request.write_lock) {
    auto lock = write_lock(*run.workspace, run.checked);
    if (lock.ok()) {
      run.observer.notice("wrote " + lock_path_for(run.checked.pipeline.file).string());
    } else {
      run.observer.warning("cannot write the lock file: " + lock.error().message());
    }
  }
  if (run.run_lock) {
    run.run_lock->remove();
  }
}

}  // namespace

int RunOutcome::exit_code() const {
  if (error) {
    return 2;
  }
  return report.exit_code();
}

RunOutcome run_pipeline(RunRequest request, RunObserver& observer, const RunSeams& seams) {
  RunOutcome outcome;
  outcome.run_id = new_run_id();
  RunRecord labelled;
  if (Status labels = apply_run_labels(request.labels, labelled); !labels.ok()) {
    outcome.error = labels.error();
    return outcome;
  }
  LoadOptions load{request.params, request.params_file, outcome.run_id, request.set_params};
  LoadedPipeline loaded = load_checked_pipeline(request.pipeline, load);
  if (!loaded.checked) {
    observer.pipeline_invalid(loaded);
    return failed(outcome, ErrorKind::InvalidSpec,
                  "nothing was run; fix the errors above and try again");
  }
  RunContext run{request, observer, seams, outcome,       std::move(*loaded.checked),
                 {},      {},       {},    now_utc_iso(), {}};
  auto selected =
      select_stages(run.checked.pipeline, run.checked.graph, {request.stages, request.from});
  if (!selected.ok()) {
    outcome.error = selected.error();
    return outcome;
  }
  run.selected = std::move(*selected);
  if (auto error = open_workspace(run)) {
    outcome.error = *error;
    return outcome;
  }
  if (request.write_lock && !request.record) {
    return failed(outcome, ErrorKind::Usage,
                  "--lock writes the lock file from the store: drop --no-record");
  }
  if (request.dry_run) {
    plan_only(run);
    return outcome;
  }
  if (request.save_params) {
    if (Status saved = save_set_params(run.checked.pipeline, request.set_params); !saved.ok()) {
      outcome.error = saved.error();
      return outcome;
    }
  }
  lock_record_and_run(run);
  return outcome;
}

}  // namespace mlops
