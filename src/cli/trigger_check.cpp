#include "cli/trigger_check.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "cli/run_pipeline.hpp"
#include "cli/store_access.hpp"
#include "cli/wall_clock.hpp"
#include "spec/trigger_parser.hpp"
#include "store/sqlite_store.hpp"
#include "util/file_io.hpp"
#include "util/file_lock.hpp"
#include "util/strings.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// catchup: all can owe many runs; one check runs at most this many, the next check goes on.
constexpr int k_max_runs_per_check = 100;

class Printer {
 public:
  Printer(const TriggerCheckOptions& options, std::string pipeline)
      : m_fd(options.json ? 2 : 1), m_quiet(options.quiet), m_pipeline(std::move(pipeline)) {}
  void line(std::string_view text) {
    write_all(m_fd, fmt::format("[mlops] {}: {}\n", m_pipeline, text));
  }
  void note(std::string_view text) {
    if (!m_quiet) {
      line(text);
    }
  }
  void error(std::string_view text) {
    write_all(2, fmt::format("mlops: error: {}: {}\n", m_pipeline, text));
  }
  int fd() const { return m_fd; }

 private:
  int m_fd;
  bool m_quiet;
  std::string m_pipeline;
};

std::unique_ptr<SqliteStore> open_for_triggers(const std::filesystem::path& path, bool dry_run) {
  std::error_code error;
  if (dry_run && !std::filesystem::exists(path, error)) {
    auto memory = SqliteStore::open(":memory:");  // nothing recorded yet: evaluate from scratch
    return memory.ok() ? std::move(*memory) : nullptr;
  }
  return open_store_or_report(path);
}

// The pipeline's triggers as of now: the (injectable) wall clock for schedules, the file
// system's clock for settling data.
PipelineEvaluation evaluate_now(MetadataStore& store, const Pipeline& pipeline) {
  TriggerContext context{store, pipeline.name, pipeline.workspace, wall_now(),
                         std::chrono::system_clock::now()};
  return evaluate_triggers(pipeline.triggers, context);
}

std::optional<RunRecord> running_run(MetadataStore& store, const std::string& pipeline) {
  auto runs = store.list_runs({pipeline, "running", 1});
  if (!runs.ok() || runs->empty()) {
    return std::nullopt;
  }
  return runs->front();
}

std::string describe(const std::optional<RunRecord>& run) {
  return run ? fmt::format("run {}", run->id) : std::string("a run");
}

std::vector<std::pair<std::string, std::string>> trigger_env(const PipelineEvaluation& evaluation) {
  std::vector<std::pair<std::string, std::string>> env = {{"MLOPS_TRIGGER", evaluation.cause()}};
  for (const Firing* firing : evaluation.firings()) {
    if (firing->kind == "schedule" && firing->detail.contains("due")) {
      env.emplace_back("MLOPS_SCHEDULED_TIME", firing->detail["due"].get<std::string>());
    }
  }
  return env;
}

}  // namespace

nlohmann::json PipelineCheck::to_json() const {
  return {{"file", file},   {"pipeline", pipeline}, {"action", action}, {"fired", fired},
          {"notes", notes}, {"errors", errors},     {"runs", runs},     {"exit_code", exit_code}};
}

std::vector<std::filesystem::path> discover_triggered_pipelines() {
  std::filesystem::path workspace = current_workspace();
  std::vector<std::filesystem::path> candidates;
  for (const char* name : {"pipeline.yaml", "pipeline.yml"}) {
    if (std::filesystem::is_regular_file(workspace / name)) {
      candidates.push_back(workspace / name);
    }
  }
  std::error_code error;
  std::vector<std::filesystem::path> listed;
  for (const auto& entry : std::filesystem::directory_iterator(workspace / "pipelines", error)) {
    auto extension = entry.path().extension();
    if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml")) {
      listed.push_back(entry.path());
    }
  }
  std::sort(listed.begin(), listed.end());
  candidates.insert(candidates.end(), listed.begin(), listed.end());
  std::vector<std::filesystem::path> found;
  for (const auto& path : candidates) {
    // A cheap look for the key; the real parse comes later and reports errors properly.
    auto text = read_file(path, 8 * 1024 * 1024);
    if (text.ok() &&
        (text->starts_with("triggers:") || text->find("\ntriggers:") != std::string::npos)) {
      found.push_back(path.lexically_relative(std::filesystem::current_path()));
    }
  }
  return found;
}

std::vector<std::pair<std::filesystem::path, Pipeline>> order_by_artifacts(
    std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines) {
  std::vector<std::pair<std::filesystem::path, Pipeline>> ordered;
  std::set<std::string> done;
  std::set<std::string> present;
  for (const auto& [file, pipeline] : pipelines) {
    present.insert(pipeline.name);
  }
  // Repeatedly take the first pipeline whose upstreams (among those here) are done; a cycle
  // falls back to file order.
  while (!pipelines.empty()) {
    auto ready = std::find_if(pipelines.begin(), pipelines.end(), [&](const auto& entry) {
      return std::all_of(entry.second.triggers.artifact.begin(),
                         entry.second.triggers.artifact.end(), [&](const auto& artifact) {
                           return !present.count(artifact.pipeline) ||
                                  done.count(artifact.pipeline);
                         });
    });
    if (ready == pipelines.end()) {
      ready = pipelines.begin();
    }
    done.insert(ready->second.name);
    ordered.push_back(std::move(*ready));
    pipelines.erase(ready);
  }
  return ordered;
}

PipelineCheck check_pipeline_triggers(const std::filesystem::path& file, const Pipeline& pipeline,
                                      const TriggerCheckOptions& options) {
  PipelineCheck check;
  check.file = file.string();
  check.pipeline = pipeline.name;
  Printer print(options, pipeline.name);
  auto fail = [&](std::string message) {
    print.error(message);
    check.errors.push_back(std::move(message));
    check.action = "error";
    check.exit_code = std::max(check.exit_code, k_exit_invalid);
    return check;
  };
  if (pipeline.triggers.empty()) {
    check.notes.push_back("has no triggers; add a 'triggers:' block (docs/triggers.md)");
    print.note(check.notes.back());
    return check;
  }
  std::filesystem::path store_path = resolve_store_path(options.store, pipeline.workspace);
  auto store = open_for_triggers(store_path, options.dry_run);
  if (!store) {
    return fail("cannot open the metadata store " + store_path.string());
  }
  std::filesystem::path locks = store_path.parent_path() / "locks";

  for (int round = 0; round < k_max_runs_per_check; ++round) {
    // Overlapping checks (cron every minute, a watcher) decide one at a time per pipeline.
    std::optional<FileLock> decision_lock;
    if (!options.dry_run) {
      auto lock = FileLock::try_acquire(locks / ("trigger-" + pipeline.name + ".lock"));
      if (!lock.ok()) {
        return fail(lock.error().message());
      }
      if (!lock->has_value()) {
        check.action = round == 0 ? "busy" : check.action;
        print.note(
            "another mlops trigger check is deciding or waiting to run this pipeline; "
            "left to it");
        return check;
      }
      decision_lock = std::move(**lock);
    }
    auto evaluate = [&] { return evaluate_now(*store, pipeline); };
    PipelineEvaluation evaluation = evaluate();
    auto report = [&](const PipelineEvaluation& e) {
      for (const auto& outcome : e.outcomes) {
        for (const auto& note : outcome.notes) {
          check.notes.push_back(note);
          print.note(note);
        }
        if (outcome.error) {
          check.errors.push_back(*outcome.error);
          check.exit_code = std::max(check.exit_code, k_exit_invalid);
          print.error(*outcome.error);
        }
      }
    };
    report(evaluation);
    if (!evaluation.fires()) {
      if (!options.dry_run && !evaluation.quiet_advances().empty()) {
        Status written = store->advance_triggers(evaluation.quiet_advances(), now_utc_iso());
        if (!written.ok() && written.error().kind() != ErrorKind::Conflict) {
          return fail("cannot record trigger state: " + written.error().message());
        }
      }
      if (round == 0 && check.errors.empty()) {
        print.note("nothing to do");
      }
      if (!check.errors.empty() && check.action == "none") {
        check.action = "error";
      }
      return check;
    }
    for (const Firing* firing : evaluation.firings()) {
      check.fired.push_back(firing->reason);
      print.line(firing->reason);
    }
    if (options.dry_run) {
      check.action = "would-run";
      print.line("would start a run (dry run: nothing was started or recorded)");
      return check;
    }

    // A run of this pipeline may be going (started by hand, by cron, or by another check).
    auto pipeline_lock =
        FileLock::try_acquire(pipeline_lock_path(pipeline.workspace, pipeline.name));
    if (!pipeline_lock.ok()) {
      return fail(pipeline_lock.error().message());
    }
    std::optional<FileLock> held;
    if (pipeline_lock->has_value()) {
      held = std::move(**pipeline_lock);
    } else {
      auto running = running_run(*store, pipeline.name);
      Concurrency policy = pipeline.concurrency;
      if (policy == Concurrency::Forbid) {
        Status written = store->advance_triggers(evaluation.run_advances(), now_utc_iso());
        if (!written.ok() && written.error().kind() != ErrorKind::Conflict) {
          return fail("cannot record trigger state: " + written.error().message());
        }
        check.action = "skipped";
        print.line(
            fmt::format("skipped: {} is still going (concurrency: forbid)", describe(running)));
        return check;
      }
      if (policy == Concurrency::Replace && running && running->host == host_name() &&
          running->owner_pid > 0) {
        print.line(
            fmt::format("cancelling {} (mlops pid {}) to start a new one (concurrency: "
                        "replace)",
                        describe(running), running->owner_pid));
        ::kill(static_cast<pid_t>(running->owner_pid), SIGTERM);
      } else {
        print.line(fmt::format("waiting for {} to finish (concurrency: {})", describe(running),
                               policy == Concurrency::Replace ? "replace, but it is not on this "
                                                                "host; waiting"
                                                              : "queue"));
      }
      auto waited = FileLock::acquire(pipeline_lock_path(pipeline.workspace, pipeline.name));
      if (!waited.ok()) {
        return fail(waited.error().message());
      }
      held = std::move(*waited);
      // The state may have moved while waiting; decide again.
      evaluation = evaluate();
      if (!evaluation.fires()) {
        print.note("nothing to do any more");
        return check;
      }
    }

    RunCommand command;
    command.pipeline = file;
    command.store = options.store;
    command.jobs = options.jobs;
    RunExtras extras;
    extras.cause = evaluation.cause();
    extras.cause_detail = evaluation.cause_detail();
    extras.advances = evaluation.run_advances();
    extras.pipeline_lock = std::move(held);
    extras.env = trigger_env(evaluation);
    extras.out_fd = print.fd();
    extras.on_recorded = [&](const std::string& run_id) {
      decision_lock.reset();  // the state has advanced: other checks may decide again
      print.line(fmt::format("started run {} (cause: {})", run_id, evaluation.cause()));
    };
    if (test_hooks_enabled() && std::getenv("MLOPS_TEST_CRASH_BEFORE_RECORD")) {
      ::raise(SIGKILL);  // a crash after deciding, before the run is recorded (tests only)
    }
    RunOutcome outcome = run_pipeline(command, std::move(extras));
    if (outcome.conflict) {
      print.line("another mlops process already started a run for this; nothing to do");
      return check;
    }
    if (!outcome.started) {
      check.exit_code = std::max(check.exit_code, outcome.exit_code);
      check.action = "error";
      return check;
    }
    check.action = "ran";
    check.runs.push_back(outcome.run_id);
    check.exit_code = std::max(check.exit_code, outcome.exit_code);
    print.line(
        fmt::format("run {} {}", outcome.run_id, outcome.exit_code == 0 ? "succeeded" : "failed"));
    if (outcome.exit_code > k_exit_signal_base || !evaluation.more_due()) {
      return check;
    }
  }
  print.note(fmt::format("ran {} catch-up runs; the next check goes on", k_max_runs_per_check));
  return check;
}

Peek peek_pipeline_triggers(const Pipeline& pipeline,
                            const std::optional<std::filesystem::path>& store_flag) {
  Peek peek;
  std::filesystem::path store_path = resolve_store_path(store_flag, pipeline.workspace);
  std::unique_ptr<SqliteStore> store;
  std::error_code error;
  if (std::filesystem::exists(store_path, error)) {
    auto opened = SqliteStore::open(store_path.string());
    if (!opened.ok()) {
      peek.errors.push_back(opened.error().message());
      return peek;
    }
    store = std::move(*opened);
  } else {
    peek.act = true;  // a first look records where each trigger starts from
    return peek;
  }
  PipelineEvaluation evaluation = evaluate_now(*store, pipeline);
  peek.act = evaluation.fires() || !evaluation.quiet_advances().empty();
  peek.wake_at = evaluation.wake_at();
  peek.errors = evaluation.errors();
  return peek;
}

}  // namespace mlops
