#include "engine/executor.hpp"

#include <algorithm>
#include <queue>

#include <fmt/format.h>

#include "dag/schedule.hpp"
#include "spec/interpolate.hpp"
#include "util/environment.hpp"
#include "util/paths.hpp"

namespace mlops {
namespace {

// The exit code by which a built-in check stage says it rejected its data (`mlops data validate`
// and `mlops data drift` exit with it: cli/exit_codes.hpp k_exit_rejected).
constexpr int k_rejected_exit_code = 3;

bool is_rejection(const Stage& stage, const ProcessResult& result) {
  return !stage.builtin.empty() && result.outcome == ProcessOutcome::Exited &&
         result.exit_code == k_rejected_exit_code;
}

struct PendingRetry {
  SteadyTime due;
  size_t stage;
  bool operator>(const PendingRetry& other) const { return due > other.due; }
};

// Tells the reporter what the output cache had to warn about, once.
void pass_on_warnings(Reporter& reporter, const Stage& stage, StageReport& report) {
  for (const auto& warning : report.warnings) {
    reporter.warning(&stage, warning);
  }
  report.warnings.clear();
}

}  // namespace

Executor::Executor(const Pipeline& pipeline, const Graph& graph, std::vector<bool> selected,
                   Runner& runner, Reporter& reporter, const Clock& clock, RunOptions options)
    : m_pipeline(pipeline),
      m_graph(graph),
      m_selected(std::move(selected)),
      m_runner(runner),
      m_reporter(reporter),
      m_clock(clock),
      m_options(std::move(options)) {}

ProcessRequest Executor::make_request(size_t index, int attempt) const {
  const Stage& stage = m_pipeline.stages[index];
  ProcessRequest request;
  request.token = index;
  request.label = stage.name;
  if (stage.command_kind == CommandKind::Shell) {
    request.argv = {"/bin/sh", "-c", stage.shell_command};
  } else {
    request.argv = stage.argv;
    if (!stage.builtin.empty() && !m_options.mlops_binary.empty() && !request.argv.empty()) {
      request.argv[0] = m_options.mlops_binary.string();
    }
  }
  request.env = m_options.base_env;
  for (const auto& [key, value] : stage.env) {
    set_env(request.env, key, value);
  }
  set_env(request.env, "MLOPS_RUN_ID", m_options.run_id);
  set_env(request.env, "MLOPS_PIPELINE", m_pipeline.name);
  set_env(request.env, "MLOPS_STAGE", stage.name);
  set_env(request.env, "MLOPS_ATTEMPT", std::to_string(attempt));
  set_env(request.env, "MLOPS_WORKSPACE", m_pipeline.workspace.string());
  if (!stage.builtin.empty() && !m_options.store_path.empty())
    set_env(request.env, "MLOPS_STORE", m_options.store_path.string());
  // Every parameter, so that commands can use "$MLOPS_PARAM_X" where no quoting is safe.
  for (const auto& [name, value] : m_pipeline.params) {
    set_env(request.env, param_env_name(name), value.text);
  }
  request.workdir = (m_pipeline.workspace / stage.workdir).lexically_normal();
  std::string file = safe_file_name(stage.name);
  if (attempt > 1) {
    file += fmt::format(".attempt-{}", attempt);
  }
  request.log_path = m_options.log_dir / (file + ".log");
  request.timeout = stage.timeout;
  request.executor = stage.executor;
  request.resources = stage.resources;
  request.create_dirs.push_back(m_options.log_dir);
  // Stages write their outputs into directories that may not exist yet.
  for (const auto* paths : {&stage.outs, &stage.metrics}) {
    for (const auto& path : *paths) {
      auto parent = (m_pipeline.workspace / path.value).parent_path();
      if (std::find(request.create_dirs.begin(), request.create_dirs.end(), parent) ==
          request.create_dirs.end()) {
        request.create_dirs.push_back(parent);
      }
    }
  }
  return request;
}

std::optional<std::string> Executor::missing_output(size_t index) const {
  const Stage& stage = m_pipeline.stages[index];
  for (const auto* paths : {&stage.outs, &stage.metrics}) {
    for (const auto& path : *paths) {
      std::error_code error;
      if (!std::filesystem::exists(m_pipeline.workspace / path.value, error)) {
        return "exited 0 but did not write its output '" + path.value + "'";
      }
    }
  }
  return std::nullopt;
}

struct Executor::Loop {
  RunReport report;
  Schedule schedule;
  std::priority_queue<PendingRetry, std::vector<PendingRetry>, std::greater<>> retries;
  size_t running = 0;
  size_t jobs = 1;
  bool stopping = false;
  // Attempts that ended before their process started (outs that could not be set aside).
  std::vector<ProcessResult> instant;
};

std::optional<std::string> Executor::prepare_outputs(size_t index, bool first_attempt) {
  if (!m_aside) {
    return std::nullopt;
  }
  const Stage& stage = m_pipeline.stages[index];
  if (stage.workdir != ".") {
    auto workdir = checked_write_path(m_pipeline.workspace, stage.workdir, ErrorKind::InvalidSpec);
    if (!workdir.ok()) {
      return "workdir: " + workdir.error().message();
    }
  }
  std::vector<std::string> paths;
  for (const auto* list : {&stage.outs, &stage.metrics}) {
    for (const auto& path : *list) {
      paths.push_back(path.value);
    }
  }
  Status prepared = Status::success();
  if (stage.incremental) {  // updates its outs in place: they stay, but are checked
    for (const auto& path : paths) {
      auto checked = checked_write_path(m_pipeline.workspace, path, ErrorKind::InvalidSpec);
      if (!checked.ok()) {
        return checked.error().message();
      }
    }
  } else {
    prepared = m_aside->before_attempt(index, paths, first_attempt);
  }
  return prepared.ok() ? std::nullopt : std::optional(prepared.error().message());
}

void Executor::put_back_outputs(size_t index) {
  if (!m_aside) {
    return;
  }
  Status back = m_aside->put_back(index);
  if (!back.ok()) {
    m_reporter.warning(&m_pipeline.stages[index], back.error().message());
  }
}

// A stage the cache says is up to date or restorable ends here; false when it must run.
bool Executor::settle_from_cache(Loop& loop, size_t index) {
  StageReport& stage_report = loop.report.stages[index];
  CacheAction action = m_cache->decide(index, stage_report, m_fates, m_graph.upstream(index));
  pass_on_warnings(m_reporter, m_pipeline.stages[index], stage_report);
  if (action == CacheAction::Run) {
    return false;
  }
  Status restored =
      action == CacheAction::Restore ? m_cache->restore(index, stage_report) : Status::success();
  if (!restored.ok()) {
    stage_report.outputs.clear();
    stage_report.note =
        "restoring from the cache failed (" + restored.error().message() + "); running it";
    m_reporter.warning(&m_pipeline.stages[index], stage_report.note);
    return false;
  }
  m_fates[index] = action;
  stage_report.status = StageStatus::Succeeded;
  stage_report.cached = true;
  if (!after_success(loop, index, true)) {
    return true;  // ended: failed or rejected
  }
  m_reporter.stage_cached(m_pipeline.stages[index], stage_report);
  loop.schedule.succeeded(index);
  return true;
}

bool Executor::after_success(Loop& loop, size_t index, bool cache_finished) {
  StageReport& stage_report = loop.report.stages[index];
  if (m_success_hook) {
    auto outcome = m_success_hook->after_success(index, stage_report);
    if (!outcome.ok()) {
      stage_report.last.outcome = ProcessOutcome::FailedToStart;
      stage_report.last.message = outcome.error().message();
      stage_report.cached = false;
      fail(loop, index);
      return false;
    }
    if (outcome->rejected) {
      stage_report.note = outcome->why;
      reject(loop, index, outcome->why, cache_finished);
      return false;
    }
  }
  return !m_models || apply_models(loop, index, cache_finished);
}

bool Executor::apply_models(Loop& loop, size_t index, bool cache_finished) {
  const Stage& stage = m_pipeline.stages[index];
  StageReport& stage_report = loop.report.stages[index];
  Status done = m_models->register_outputs(index, stage_report);
  if (done.ok() && stage.gate) {
    auto outcome = m_models->judge(index, stage_report.cached);
    if (outcome.ok()) {
      stage_report.gate = *outcome;
      stage_report.note = outcome->summary();
      if (!outcome->passed()) {
        reject(loop, index,
               "gate rejected: " + stage.name + " did not accept model " + stage.gate->model,
               cache_finished);
        return false;
      }
    } else {
      done = outcome.error();
    }
  }
  if (!done.ok()) {
    stage_report.last.outcome = ProcessOutcome::FailedToStart;
    stage_report.last.message = done.error().message();
    stage_report.cached = false;
    fail(loop, index);
    return false;
  }
  return true;
}

void Executor::launch(Loop& loop, size_t index) {
  StageReport& stage_report = loop.report.stages[index];
  const Stage& stage = m_pipeline.stages[index];
  // The models it reads are put in place before the cache decides (they are among its deps).
  std::optional<std::string> unprepared;
  if (m_models && !stage.model_refs.empty()) {
    Status prepared = m_models->prepare(index);
    if (!prepared.ok()) {
      unprepared = prepared.error().message();
    }
  }
  if (m_cache && !unprepared && stage_report.attempts == 0 && settle_from_cache(loop, index)) {
    return;
  }
  m_fates[index] = CacheAction::Run;
  ++stage_report.attempts;
  ProcessRequest request = make_request(index, stage_report.attempts);
  if (!stage_report.changed_deps_file.empty()) {
    request.env.emplace_back("MLOPS_CHANGED_DEPS", stage_report.changed_deps_file.string());
    request.env.emplace_back("MLOPS_REMOVED_DEPS", stage_report.removed_deps_file.string());
  }
  stage_report.status = StageStatus::Running;
  stage_report.log_path = request.log_path;
  m_reporter.stage_started(stage, stage_report.attempts, stage.retries + 1, request, stage_report);
  ++loop.running;
  if (auto refused = unprepared ? unprepared : prepare_outputs(index, stage_report.attempts == 1)) {
    ProcessResult result;
    result.token = index;
    result.outcome = ProcessOutcome::FailedToStart;
    result.message = *refused;
    loop.instant.push_back(std::move(result));
    return;
  }
  m_runner.start(request);
}

// Ends every stage still waiting for a retry: with `status` and its last result.
void Executor::drop_retries(Loop& loop, StageStatus status) {
  while (!loop.retries.empty()) {
    size_t index = loop.retries.top().stage;
    loop.retries.pop();
    put_back_outputs(index);
    loop.report.stages[index].status = status;
    m_reporter.stage_finished(m_pipeline.stages[index], loop.report.stages[index]);
    if (status == StageStatus::Failed) {
      for (size_t blocked : loop.schedule.failed(index)) {
        loop.report.stages[blocked].status = StageStatus::Skipped;
        loop.report.stages[blocked].note = "upstream " + m_pipeline.stages[index].name + " failed";
      }
    }
  }
}

// A stage's final failure: skip what depends on it, and stop unless keep_going.
void Executor::fail(Loop& loop, size_t index) {
  const Stage& stage = m_pipeline.stages[index];
  put_back_outputs(index);
  loop.report.stages[index].status = StageStatus::Failed;
  m_reporter.stage_finished(stage, loop.report.stages[index]);
  for (size_t blocked : loop.schedule.failed(index)) {
    loop.report.stages[blocked].status = StageStatus::Skipped;
    loop.report.stages[blocked].note = "upstream " + stage.name + " failed";
  }
  if (!m_options.keep_going) {
    loop.stopping = true;
    drop_retries(loop, StageStatus::Failed);
  }
}

// A built-in check stage that judged its data and said no (exit code 3): its reports are kept
// and recorded, what depends on it is skipped, and the run stops unless keep_going.
void Executor::reject(Loop& loop, size_t index, const std::string& why, bool cache_finished) {
  const Stage& stage = m_pipeline.stages[index];
  StageReport& stage_report = loop.report.stages[index];
  if (m_aside) {
    m_aside->discard(index);
  }
  if (m_cache && !cache_finished) {
    m_cache->finish(index, stage_report);
    pass_on_warnings(m_reporter, stage, stage_report);
  }
  stage_report.status = StageStatus::Rejected;
  m_reporter.stage_finished(stage, stage_report);
  for (size_t blocked : loop.schedule.failed(index)) {
    loop.report.stages[blocked].status = StageStatus::Skipped;
    loop.report.stages[blocked].note = why;
  }
  if (!m_options.keep_going) {
    loop.stopping = true;
    drop_retries(loop, StageStatus::Failed);
  }
}

void Executor::finish(Loop& loop, ProcessResult result) {
  size_t index = result.token;
  if (result.succeeded() && m_options.check_outputs) {
    if (auto missing = missing_output(index)) {
      result.outcome = ProcessOutcome::MissingOutputs;
      result.message = *missing;
    }
  }
  const Stage& stage = m_pipeline.stages[index];
  StageReport& stage_report = loop.report.stages[index];
  stage_report.last = result;
  stage_report.duration += result.duration;
  if (is_rejection(stage, result) && !missing_output(index)) {
    reject(loop, index, "upstream " + stage.name + " rejected its data", false);
    return;
  }
  if (result.succeeded()) {
    if (m_aside) {
      m_aside->discard(index);
    }
    if (m_cache) {
      m_cache->finish(index, stage_report);
      pass_on_warnings(m_reporter, stage, stage_report);
    }
    if (!after_success(loop, index, true)) {
      return;
    }
    stage_report.status = StageStatus::Succeeded;
    m_reporter.stage_finished(stage, stage_report);
    loop.schedule.succeeded(index);
    return;
  }
  if (result.outcome == ProcessOutcome::Cancelled || loop.report.interrupt_signal != 0) {
    put_back_outputs(index);
    stage_report.status = StageStatus::Cancelled;
    m_reporter.stage_finished(stage, stage_report);
    return;
  }
  if (stage_report.attempts <= stage.retries && !loop.stopping) {
    m_reporter.stage_retrying(stage, result, stage_report.attempts + 1, stage.retry_delay);
    stage_report.status = StageStatus::Pending;
    loop.retries.push({m_clock.now() + stage.retry_delay, index});
    return;
  }
  fail(loop, index);
}

void Executor::launch_ready(Loop& loop) {
  // The stages decided here (often all of them, in a no-op run) read the store in one
  // transaction; nothing in this loop writes to it.
  struct HeldReads {
    OutputCache* cache;
    explicit HeldReads(OutputCache* c) : cache(c) {
      if (cache) {
        cache->hold_reads();
      }
    }
    ~HeldReads() {
      if (cache) {
        cache->release_reads();
      }
    }
  } held(m_cache);
  while (!loop.stopping && loop.running < loop.jobs && !loop.retries.empty() &&
         loop.retries.top().due <= m_clock.now()) {
    size_t index = loop.retries.top().stage;
    loop.retries.pop();
    launch(loop, index);
  }
  while (!loop.stopping && loop.running < loop.jobs && loop.schedule.has_ready()) {
    launch(loop, loop.schedule.pop_ready());
  }
}

void Executor::wait_for_processes(Loop& loop) {
  if (!loop.instant.empty()) {
    std::vector<ProcessResult> ended = std::move(loop.instant);
    loop.instant.clear();
    for (auto& result : ended) {
      --loop.running;
      finish(loop, std::move(result));
    }
    return;
  }
  std::optional<SteadyTime> until;
  if (!loop.retries.empty() && loop.running < loop.jobs) {
    until = loop.retries.top().due;
  }
  if (auto flush_by = m_reporter.flush(m_clock.now()); flush_by && (!until || *flush_by < *until)) {
    until = flush_by;
  }
  WaitResult waited = m_runner.wait(until);
  if (waited.interrupt_signal != 0) {
    if (loop.report.interrupt_signal == 0) {
      loop.report.interrupt_signal = waited.interrupt_signal;
      loop.stopping = true;
      m_reporter.interrupted(waited.interrupt_signal, loop.running);
      drop_retries(loop, StageStatus::Cancelled);
    }
    m_runner.cancel_all();
  }
  for (auto& result : waited.finished) {
    --loop.running;
    finish(loop, std::move(result));
  }
}

RunReport Executor::run() {
  const size_t n = m_pipeline.stages.size();
  Loop loop{RunReport{}, Schedule(m_graph, m_selected),       {},
            0,           std::max<size_t>(1, m_options.jobs), false,
            {}};
  loop.report.run_id = m_options.run_id;
  loop.report.stages.resize(n);
  m_fates.assign(n, std::nullopt);
  if (m_options.check_outputs) {
    m_aside.emplace(m_pipeline.workspace,
                    m_pipeline.workspace / ".mlops" / "aside" / m_options.run_id, m_options.run_id);
  }
  size_t selected_count = 0;
  for (size_t i = 0; i < n; ++i) {
    if (m_selected[i]) {
      ++selected_count;
    } else {
      loop.report.stages[i].status = StageStatus::NotSelected;
    }
  }
  m_reporter.run_started(m_pipeline, loop.report, selected_count, loop.jobs);
  SteadyTime run_start = m_clock.now();
  while (true) {
    launch_ready(loop);
    if (loop.running == 0 && (loop.retries.empty() || loop.stopping)) {
      break;
    }
    wait_for_processes(loop);
  }
  RunReport& report = loop.report;
  report.duration = std::chrono::duration_cast<Milliseconds>(m_clock.now() - run_start);
  for (auto& stage_report : report.stages) {
    if (stage_report.status == StageStatus::Pending && stage_report.note.empty()) {
      stage_report.note =
          report.interrupt_signal ? "run interrupted" : "run stopped after a failure";
    }
  }
  if (m_aside) {
    m_aside->finish_run();
  }
  m_reporter.run_finished(m_pipeline, report);
  return std::move(loop.report);
}

}  // namespace mlops
