#include "app/trigger_service.hpp"

#include <cctype>

#include <signal.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "app/feature_store.hpp"
#include "app/run_processes.hpp"
#include "app/workspace.hpp"
#include "util/file_io.hpp"
#include "util/file_lock.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// catchup: all can owe many runs; one check runs at most this many, the next check goes on.
constexpr int k_max_runs_per_check = 100;
constexpr int k_check_error = 2;

// One pipeline's check: what every step needs.
struct CheckContext {
  const std::filesystem::path& file;
  const Pipeline& pipeline;
  const TriggerCheckOptions& options;
  TriggerEvents& events;
  const TriggerSeams& seams;
  const WallClock& clock;
  PipelineCheck check;
  std::optional<Workspace> workspace;

  void line(const std::string& text) { events.line(pipeline.name, text); }
  void note(const std::string& text) {
    check.notes.push_back(text);
    events.note(pipeline.name, text);
  }
  PipelineCheck fail(const std::string& message) {
    events.error(pipeline.name, message);
    check.errors.push_back(message);
    check.action = "error";
    check.exit_code = std::max(check.exit_code, k_check_error);
    return check;
  }
};

// The pipeline's triggers as of now: the (injectable) wall clock for schedules, the file
// system's clock for settling data.
PipelineEvaluation evaluate_now(MetadataStore& store, const Pipeline& pipeline,
                                const WallClock& clock) {
  // A feature-group trigger reads the group's head file: make sure a writer that died after
  // its commit did not leave it behind (at least once, never twice: the trigger state decides).
  for (const auto& artifact : pipeline.triggers.artifact) {
    if (!artifact.feature_group.empty()) {
      auto group = FeatureGroupStore::open_existing(feature_store_root(pipeline.workspace),
                                                    artifact.feature_group, 0);
      if (group.ok()) {
        (void)(*group)->refresh_head();
      }
    }
  }
  TriggerContext context{store,
                         pipeline.name,
                         pipeline.workspace,
                         clock.now(),
                         std::chrono::system_clock::now(),
                         cached_objects(pipeline.workspace)};
  return evaluate_triggers(pipeline.triggers, context);
}

std::string describe(const std::optional<RunRecord>& run) {
  return run ? fmt::format("run {}", run->id) : std::string("a run");
}

std::optional<RunRecord> running_run(MetadataStore& store, const std::string& pipeline) {
  auto runs = store.list_runs({pipeline, "running", 1});
  if (!runs.ok() || runs->empty()) {
    return std::nullopt;
  }
  return runs->front();
}

EnvironmentList trigger_env(const PipelineEvaluation& evaluation) {
  EnvironmentList env = {{"MLOPS_TRIGGER", evaluation.cause()}};
  for (const Firing* firing : evaluation.firings()) {
    if (firing->kind == "schedule" && firing->detail.contains("due")) {
      env.emplace_back("MLOPS_SCHEDULED_TIME", firing->detail["due"].get<std::string>());
    }
    if (firing->kind == "artifact" && firing->detail.contains("feature_group")) {
      // MLOPS_FG_SINCE_customer_features: the group's name with anything but letters, digits
      // and _ as _.
      std::string name = firing->detail["feature_group"].get<std::string>();
      for (char& c : name) {
        c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      }
      env.emplace_back("MLOPS_FG_SINCE_" + name,
                       std::to_string(firing->detail["since"].get<int64_t>()));
      env.emplace_back("MLOPS_FG_UNTIL_" + name,
                       std::to_string(firing->detail["until"].get<int64_t>()));
    }
  }
  return env;
}

// Notes and errors of each trigger, into the check and the events.
void report_outcomes(CheckContext& ctx, const PipelineEvaluation& evaluation) {
  for (const auto& outcome : evaluation.outcomes) {
    for (const auto& note : outcome.notes) {
      ctx.note(note);
    }
    if (outcome.error) {
      ctx.check.errors.push_back(*outcome.error);
      ctx.check.exit_code = std::max(ctx.check.exit_code, k_check_error);
      ctx.events.error(ctx.pipeline.name, *outcome.error);
    }
  }
}

// Nothing fires: record where the quiet triggers have got to. False when that failed.
bool settle_quietly(CheckContext& ctx, const PipelineEvaluation& evaluation, int round) {
  if (!ctx.options.dry_run && !evaluation.quiet_advances().empty()) {
    Status written =
        ctx.workspace->store()->advance_triggers(evaluation.quiet_advances(), now_utc_iso());
    if (!written.ok() && written.error().kind() != ErrorKind::Conflict) {
      ctx.fail("cannot record trigger state: " + written.error().message());
      return false;
    }
  }
  if (round == 0 && ctx.check.errors.empty()) {
    ctx.note("nothing to do");
  }
  if (!ctx.check.errors.empty() && ctx.check.action == "none") {
    ctx.check.action = "error";
  }
  return true;
}

// concurrency: replace. SIGTERMs the running run's mlops, but only while its pid still names that
// process (the start time recorded with the run) and the run's lock is held: a pid alone may
// belong to an unrelated process by now. Otherwise (or on another host) the check waits.
void cancel_to_replace(CheckContext& ctx, const std::optional<RunRecord>& running) {
  if (!running || running->host != host_name()) {
    ctx.line(
        fmt::format("waiting for {} to finish (concurrency: replace, but it is not on this "
                    "host; waiting)",
                    describe(running)));
    return;
  }
  auto lock = FileLock::try_acquire(ctx.workspace->run_lock_path(running->id));
  bool lock_held = lock.ok() && !lock->has_value();
  if (lock_held && owner_is_running(*running)) {
    ctx.line(fmt::format("cancelling {} (mlops pid {}) to start a new one (concurrency: replace)",
                         describe(running), running->owner_pid));
    if (signal_owner(*running, SIGTERM)) {
      return;
    }
  }
  ctx.line(
      fmt::format("waiting for {} to finish (concurrency: replace, but pid {} is not that "
                  "run's mlops process any more)",
                  describe(running), running->owner_pid));
}

// A run of this pipeline is going: apply the concurrency policy. Returns the pipeline lock to
// run under, or nothing when this check is done (skipped, or an error recorded in ctx.check).
std::optional<FileLock> wait_for_running(CheckContext& ctx, PipelineEvaluation& evaluation) {
  MetadataStore& store = *ctx.workspace->store();
  auto running = running_run(store, ctx.pipeline.name);
  Concurrency policy = ctx.pipeline.concurrency;
  if (policy == Concurrency::Forbid) {
    Status written = store.advance_triggers(evaluation.run_advances(), now_utc_iso());
    if (!written.ok() && written.error().kind() != ErrorKind::Conflict) {
      ctx.fail("cannot record trigger state: " + written.error().message());
      return std::nullopt;
    }
    ctx.check.action = "skipped";
    ctx.line(fmt::format("skipped: {} is still going (concurrency: forbid)", describe(running)));
    return std::nullopt;
  }
  if (policy == Concurrency::Replace) {
    cancel_to_replace(ctx, running);
  } else {
    ctx.line(fmt::format("waiting for {} to finish (concurrency: queue)", describe(running)));
  }
  auto waited = FileLock::acquire(ctx.workspace->pipeline_lock_path(ctx.pipeline.name));
  if (!waited.ok()) {
    ctx.fail(waited.error().message());
    return std::nullopt;
  }
  // The state may have moved while waiting; decide again.
  evaluation = evaluate_now(store, ctx.pipeline, ctx.clock);
  if (!evaluation.fires()) {
    ctx.note("nothing to do any more");
    return std::nullopt;
  }
  return std::move(*waited);
}

// Starts the run the evaluation calls for. False when the check ends here.
bool start_run(CheckContext& ctx, const PipelineEvaluation& evaluation, FileLock pipeline_lock,
               std::optional<FileLock>& decision_lock) {
  RunRequest request;
  request.pipeline = ctx.file;
  request.store = ctx.options.store;
  request.jobs = ctx.options.jobs;
  request.cause = evaluation.cause();
  request.cause_detail = evaluation.cause_detail();
  request.advances = evaluation.run_advances();
  request.pipeline_lock = std::make_shared<FileLock>(std::move(pipeline_lock));
  request.extra_env = trigger_env(evaluation);
  // The observer hears the run; the check says when it is recorded.
  struct Observer final : RunObserver {
    CheckContext& ctx;
    RunObserver& inner;
    std::optional<FileLock>& decision_lock;
    std::string cause;
    Observer(CheckContext& c, RunObserver& i, std::optional<FileLock>& d, std::string k)
        : ctx(c), inner(i), decision_lock(d), cause(std::move(k)) {}
    void pipeline_invalid(const LoadedPipeline& l) override { inner.pipeline_invalid(l); }
    void recovered(const std::vector<RecoveredRun>& r) override { inner.recovered(r); }
    std::vector<Reporter*> reporters(const Pipeline& p, bool d) override {
      return inner.reporters(p, d);
    }
    void recorded(const std::string& run_id) override {
      decision_lock.reset();  // the state has advanced: other checks may decide again
      ctx.line(fmt::format("started run {} (cause: {})", run_id, cause));
      inner.recorded(run_id);
    }
    void warning(const std::string& m) override { inner.warning(m); }
    void finished(const Pipeline& p, const RunReport& r, MetadataStore* s) override {
      inner.finished(p, r, s);
    }
  } observer(ctx, ctx.events.run_observer(), decision_lock, evaluation.cause());
  RunOutcome outcome = run_pipeline(std::move(request), observer, ctx.seams.run);
  if (outcome.conflict) {
    ctx.line("another mlops process already started a run for this; nothing to do");
    return false;
  }
  if (!outcome.started) {
    if (outcome.error) {
      ctx.events.error(ctx.pipeline.name, outcome.error->message());
    }
    ctx.check.exit_code = std::max(ctx.check.exit_code, outcome.exit_code());
    ctx.check.action = "error";
    return false;
  }
  int code = outcome.exit_code();
  ctx.check.action = "ran";
  ctx.check.runs.push_back(outcome.run_id);
  ctx.check.exit_code = std::max(ctx.check.exit_code, code);
  ctx.line(fmt::format("run {} {}", outcome.run_id, outcome.report.status_name()));
  return code <= 128 && evaluation.more_due();
}

// One decision: evaluate, and run what fired. False when the check is done.
bool check_round(CheckContext& ctx, int round) {
  std::optional<FileLock> decision_lock;
  if (!ctx.options.dry_run) {
    auto lock = FileLock::try_acquire(ctx.workspace->trigger_lock_path(ctx.pipeline.name));
    if (!lock.ok()) {
      ctx.fail(lock.error().message());
      return false;
    }
    if (!lock->has_value()) {
      ctx.check.action = round == 0 ? "busy" : ctx.check.action;
      ctx.note(
          "another mlops trigger check is deciding or waiting to run this pipeline; left to it");
      return false;
    }
    decision_lock = std::move(**lock);
  }
  PipelineEvaluation evaluation = evaluate_now(*ctx.workspace->store(), ctx.pipeline, ctx.clock);
  report_outcomes(ctx, evaluation);
  if (!evaluation.fires()) {
    settle_quietly(ctx, evaluation, round);
    return false;
  }
  for (const Firing* firing : evaluation.firings()) {
    ctx.check.fired.push_back(firing->reason);
    ctx.line(firing->reason);
  }
  if (ctx.options.dry_run) {
    ctx.check.action = "would-run";
    ctx.line("would start a run (dry run: nothing was started or recorded)");
    return false;
  }
  // A run of this pipeline may be going (started by hand, by cron, or by another check).
  auto pipeline_lock = FileLock::try_acquire(ctx.workspace->pipeline_lock_path(ctx.pipeline.name));
  if (!pipeline_lock.ok()) {
    ctx.fail(pipeline_lock.error().message());
    return false;
  }
  std::optional<FileLock> held;
  if (pipeline_lock->has_value()) {
    held = std::move(**pipeline_lock);
  } else if (!(held = wait_for_running(ctx, evaluation))) {
    return false;
  }
  return start_run(ctx, evaluation, std::move(*held), decision_lock);
}

}  // namespace

PipelineCheck check_pipeline_triggers(const std::filesystem::path& file, const Pipeline& pipeline,
                                      const TriggerCheckOptions& options, TriggerEvents& events,
                                      const TriggerSeams& seams) {
  SystemWallClock system_clock;
  CheckContext ctx{
      file, pipeline, options, events, seams, seams.clock ? *seams.clock : system_clock, {}, {}};
  ctx.check.file = file.string();
  ctx.check.pipeline = pipeline.name;
  if (pipeline.triggers.empty()) {
    ctx.note("has no triggers; add a 'triggers:' block (docs/triggers.md)");
    return ctx.check;
  }
  StoreMode mode = options.dry_run ? StoreMode::MemoryIfMissing : StoreMode::Create;
  auto workspace = Workspace::open(pipeline.workspace, options.store, mode);
  if (!workspace.ok()) {
    return ctx.fail(
        "cannot open the metadata store " +
        redacted_locator(resolve_store_path(options.store, pipeline.workspace).string()) + ": " +
        workspace.error().message());
  }
  ctx.workspace.emplace(std::move(*workspace));
  if (!ctx.workspace->recovered().empty()) {
    events.run_observer().recovered(ctx.workspace->recovered());
  }
  for (int round = 0; round < k_max_runs_per_check; ++round) {
    if (!check_round(ctx, round)) {
      return ctx.check;
    }
  }
  ctx.note(fmt::format("ran {} catch-up runs; the next check goes on", k_max_runs_per_check));
  return ctx.check;
}

}  // namespace mlops
