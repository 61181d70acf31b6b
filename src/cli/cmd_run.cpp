#include <unistd.h>

#include <thread>

#include <fmt/format.h>

#include "cache/object_store.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "cli/query_support.hpp"
#include "cli/run_pipeline.hpp"
#include "cli/run_record.hpp"
#include "cli/store_access.hpp"
#include "cli/terminal_style.hpp"
#include "dag/selection.hpp"
#include "engine/executor.hpp"
#include "engine/output_cache.hpp"
#include "engine/reporter_list.hpp"
#include "engine/run_id.hpp"
#include "engine/run_recorder.hpp"
#include "engine/store_digest_memo.hpp"
#include "engine/terminal_reporter.hpp"
#include "exec/fake_runner.hpp"
#include "exec/process_runner.hpp"
#include "report/github_actions.hpp"
#include "report/junit.hpp"
#include "util/file_io.hpp"
#include "util/file_lock.hpp"
#include "util/time_format.hpp"

extern char** environ;

namespace mlops {
namespace {

std::vector<std::pair<std::string, std::string>> current_environment() {
  std::vector<std::pair<std::string, std::string>> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals != std::string_view::npos && equals > 0) {
      env.emplace_back(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
  }
  return env;
}

// "pipeline 'x' is already running here: run R (pid P, started T)".
std::string describe_running(const Pipeline& pipeline, const std::filesystem::path& store_path,
                             bool no_record) {
  std::string which = "another mlops process";
  if (!no_record) {
    if (auto store = SqliteStore::open(store_path.string()); store.ok()) {
      auto runs = (*store)->list_runs({pipeline.name, "running", 1});
      if (runs.ok() && !runs->empty()) {
        const RunRecord& run = runs->front();
        which = fmt::format("run {} (mlops pid {} on {}, started {})", run.id, run.owner_pid,
                            run.host, run.started_at);
      }
    }
  }
  return fmt::format(
      "mlops: error: pipeline '{}' is already running in this workspace: {}.\n"
      "  Two runs would overwrite each other's outputs; wait for it to finish, or "
      "stop it (Ctrl-C or kill) and run again.\n",
      pipeline.name, which);
}

void write_junit(const std::filesystem::path& path, const Pipeline& pipeline,
                 const RunReport& report, const JunitRunInfo& info) {
  Status written = write_file_atomic(path, junit_xml(pipeline, report, info));
  if (!written.ok()) {
    write_all(2, fmt::format("mlops: error: cannot write the JUnit report {}: {}\n", path.string(),
                             written.error().message()));
  }
}

}  // namespace

std::filesystem::path pipeline_lock_path(const std::filesystem::path& workspace,
                                         const std::string& pipeline) {
  return workspace / ".mlops" / "locks" / ("pipeline-" + pipeline + ".lock");
}

int run_command(const RunCommand& command) {
  return run_pipeline(command, RunExtras{}).exit_code;
}

RunOutcome run_pipeline(const RunCommand& command, RunExtras extras) {
  RunOutcome outcome;
  auto finish = [&](int code) {  // every return: the outcome with its exit code
    outcome.exit_code = code;
    return outcome;
  };
  std::string run_id = new_run_id();
  outcome.run_id = run_id;
  LoadOptions load{command.params.params, command.params.params_file, run_id};
  auto checked = load_checked_pipeline(command.pipeline, load);
  if (!checked) {
    write_all(2, "mlops: nothing was run; fix the errors above and try again\n");
    return finish(k_exit_invalid);
  }
  const Pipeline& pipeline = checked->pipeline;
  auto selected = select_stages(pipeline, checked->graph, {command.stages, command.from});
  if (!selected.ok()) {
    write_all(2, fmt::format("mlops: error: {}\n", selected.error().message()));
    return finish(k_exit_invalid);
  }

  RunOptions options;
  options.run_id = run_id;
  options.jobs =
      command.jobs > 0 ? command.jobs : std::max<size_t>(1, std::thread::hardware_concurrency());
  options.keep_going = command.keep_going;
  options.log_dir = pipeline.workspace / ".mlops" / "logs" / run_id;
  options.base_env = current_environment();
  options.base_env.insert(options.base_env.end(), extras.env.begin(), extras.env.end());

  bool github = github_actions_enabled() && !command.dry_run;
  TerminalReporterOptions terminal_options{extras.out_fd, 2, command.dry_run, pipeline.workspace,
                                           !github};
  terminal_options.color = !github && use_color(extras.out_fd);
  terminal_options.progress = !github && !command.dry_run && use_progress(extras.out_fd);
  terminal_options.verbosity = terminal_style().verbosity;
  TerminalReporter terminal(terminal_options);
  GithubActionsReporter github_reporter(extras.out_fd, pipeline.workspace);
  SystemClock clock;
  OutputCacheOptions cache_options;
  cache_options.force = command.force;
  cache_options.force_stages.insert(command.force_stages.begin(), command.force_stages.end());
  ObjectStore objects(pipeline.workspace / ".mlops" / "cache");
  std::filesystem::path store_path = resolve_store_path(command.store, pipeline.workspace);

  if (command.dry_run) {
    options.check_outputs = false;
    DryRunRunner runner;
    Executor executor(pipeline, checked->graph, std::move(*selected), runner, terminal, clock,
                      options);
    // With a store, the plan says which stages would be skipped; nothing is written.
    std::unique_ptr<SqliteStore> store;
    std::error_code exists_error;
    if (!command.no_record && std::filesystem::exists(store_path, exists_error)) {
      store = open_store_or_report(store_path);
    }
    std::optional<StoreDigestMemo> memo;
    std::optional<OutputCache> cache;
    if (store) {
      cache_options.dry_run = true;
      memo.emplace(*store);
      cache.emplace(*store, objects, *memo, pipeline, cache_options);
      executor.set_cache(&*cache);
    }
    executor.run();
    return finish(k_exit_success);
  }

  std::string started_at = now_utc_iso();
  std::error_code error;
  if (command.junit && command.junit->has_parent_path()) {
    // Fail before running anything, not after an hour of training.
    std::filesystem::create_directories(command.junit->parent_path(), error);
    if (error) {
      write_all(2, fmt::format("mlops: error: cannot create the directory of the JUnit report "
                               "{}: {}\n",
                               command.junit->string(), error.message()));
      return finish(k_exit_invalid);
    }
  }
  std::filesystem::create_directories(options.log_dir, error);
  if (error) {
    write_all(2,
              fmt::format("mlops: error: cannot create the log directory {}: {}; check that the "
                          "workspace {} is writable\n",
                          options.log_dir.string(), error.message(), pipeline.workspace.string()));
    return finish(k_exit_invalid);
  }

  // Two runs of one pipeline in one workspace would overwrite each other's outputs.
  std::optional<FileLock> pipeline_lock = std::move(extras.pipeline_lock);
  if (!pipeline_lock) {
    auto acquired = FileLock::try_acquire(pipeline_lock_path(pipeline.workspace, pipeline.name));
    if (!acquired.ok()) {
      write_all(2, fmt::format("mlops: error: {}\n", acquired.error().message()));
      return finish(k_exit_invalid);
    }
    if (!acquired->has_value()) {
      write_all(2, describe_running(pipeline, store_path, command.no_record));
      return finish(k_exit_invalid);
    }
    pipeline_lock = std::move(**acquired);
  }

  std::unique_ptr<SqliteStore> store;
  std::optional<FileLock> run_lock;
  std::optional<RunRecorder> recorder;
  if (!command.no_record) {
    store = open_store_or_report(store_path);
    if (!store) {
      return finish(k_exit_invalid);
    }
    auto lock = FileLock::try_acquire(run_lock_path(store_path, run_id));
    if (!lock.ok() || !lock->has_value()) {
      write_all(2, fmt::format("mlops: error: cannot lock run {} beside the store {}\n", run_id,
                               store_path.string()));
      return finish(k_exit_invalid);
    }
    run_lock = std::move(**lock);
    recorder.emplace(*store, pipeline, run_id);
    RunRecord record = make_run_record(pipeline, run_id);
    record.cause = extras.cause;
    record.cause_detail = extras.cause_detail;
    Status begun = recorder->begin(record, extras.advances);
    if (!begun.ok() && begun.error().kind() == ErrorKind::Conflict) {
      run_lock->remove();
      outcome.conflict = true;
      return finish(k_exit_success);
    }
    if (!begun.ok()) {
      write_all(2, fmt::format("mlops: error: cannot record the run in {}: {}; nothing was run\n",
                               store_path.string(), begun.error().message()));
      return finish(k_exit_invalid);
    }
  }

  outcome.started = true;
  if (extras.on_recorded) {
    extras.on_recorded(run_id);
  }
  std::optional<StoreDigestMemo> memo;
  std::optional<OutputCache> cache;
  if (store) {
    memo.emplace(*store);
    cache.emplace(*store, objects, *memo, pipeline, cache_options);
  }
  std::vector<Reporter*> reporters;
  if (recorder) {
    reporters.push_back(&*recorder);
  }
  reporters.push_back(&terminal);
  if (github) {
    reporters.push_back(&github_reporter);
  }
  ReporterList reporter(reporters);
  int exit_code;
  {
    ProcessRunner runner(reporter, ProcessRunnerOptions{});
    Executor executor(pipeline, checked->graph, std::move(*selected), runner, reporter, clock,
                      options);
    if (cache) {
      executor.set_cache(&*cache);
    }
    RunReport report = executor.run();
    exit_code = report.exit_code();
    if (command.junit) {
      write_junit(*command.junit, pipeline, report, {run_id, started_at, host_name()});
    }
    if (github) {
      MetricComparison metrics;
      if (store) {
        auto run = store->find_run(run_id);
        auto compared = run.ok() && *run ? compare_metrics(*store, **run)
                                         : Result<MetricComparison>(MetricComparison{});
        if (compared.ok()) {
          metrics = std::move(*compared);
        }
      }
      write_github_step_files(step_summary_markdown(pipeline, report, run_id, metrics), run_id,
                              exit_code == 0   ? "succeeded"
                              : exit_code == 1 ? "failed"
                                               : "cancelled");
    }
  }
  if (memo) {
    memo->flush();
  }
  if (run_lock) {
    run_lock->remove();
  }
  return finish(exit_code);
}

}  // namespace mlops
