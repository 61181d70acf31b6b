#include "engine/executor.hpp"

#include <algorithm>
#include <queue>

#include <fmt/format.h>

#include "dag/schedule.hpp"
#include "util/paths.hpp"

namespace mlops {
namespace {

struct PendingRetry {
  SteadyTime due;
  size_t stage;
  bool operator>(const PendingRetry& other) const { return due > other.due; }
};

void set_env(std::vector<std::pair<std::string, std::string>>& env, const std::string& key,
             const std::string& value) {
  for (auto& entry : env) {
    if (entry.first == key) {
      entry.second = value;
      return;
    }
  }
  env.emplace_back(key, value);
}

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
  request.workdir = (m_pipeline.workspace / stage.workdir).lexically_normal();
  std::string file = safe_file_name(stage.name);
  if (attempt > 1) {
    file += fmt::format(".attempt-{}", attempt);
  }
  request.log_path = m_options.log_dir / (file + ".log");
  request.timeout = stage.timeout;
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

RunReport Executor::run() {
  const size_t n = m_pipeline.stages.size();
  RunReport report;
  report.run_id = m_options.run_id;
  report.stages.resize(n);
  size_t selected_count = 0;
  for (size_t i = 0; i < n; ++i) {
    if (m_selected[i]) {
      ++selected_count;
    } else {
      report.stages[i].status = StageStatus::NotSelected;
    }
  }
  const size_t jobs = std::max<size_t>(1, m_options.jobs);
  m_reporter.run_started(m_pipeline, report, selected_count, jobs);

  Schedule schedule(m_graph, m_selected);
  std::priority_queue<PendingRetry, std::vector<PendingRetry>, std::greater<>> retries;
  size_t running = 0;
  bool stopping = false;
  SteadyTime run_start = m_clock.now();

  auto launch = [&](size_t index) {
    StageReport& stage_report = report.stages[index];
    const Stage& stage = m_pipeline.stages[index];
    if (m_cache && stage_report.attempts == 0) {
      CacheAction action = m_cache->decide(index, stage_report);
      pass_on_warnings(m_reporter, stage, stage_report);
      if (action != CacheAction::Run) {
        Status restored = action == CacheAction::Restore ? m_cache->restore(index, stage_report)
                                                         : Status::success();
        if (restored.ok()) {
          stage_report.status = StageStatus::Succeeded;
          stage_report.cached = true;
          m_reporter.stage_cached(stage, stage_report);
          schedule.succeeded(index);
          return;
        }
        stage_report.outputs.clear();
        stage_report.note =
            "restoring from the cache failed (" + restored.error().message() + "); running it";
      }
    }
    ++stage_report.attempts;
    ProcessRequest request = make_request(index, stage_report.attempts);
    if (!stage_report.changed_deps_file.empty()) {
      request.env.emplace_back("MLOPS_CHANGED_DEPS", stage_report.changed_deps_file.string());
      request.env.emplace_back("MLOPS_REMOVED_DEPS", stage_report.removed_deps_file.string());
    }
    stage_report.status = StageStatus::Running;
    stage_report.log_path = request.log_path;
    m_reporter.stage_started(stage, stage_report.attempts, stage.retries + 1, request,
                             stage_report);
    m_runner.start(request);
    ++running;
  };

  // Ends every stage still waiting for a retry: with `status` and its last result.
  auto drop_retries = [&](StageStatus status) {
    while (!retries.empty()) {
      size_t index = retries.top().stage;
      retries.pop();
      report.stages[index].status = status;
      m_reporter.stage_finished(m_pipeline.stages[index], report.stages[index]);
      if (status == StageStatus::Failed) {
        for (size_t blocked : schedule.failed(index)) {
          report.stages[blocked].status = StageStatus::Skipped;
          report.stages[blocked].note = "upstream " + m_pipeline.stages[index].name + " failed";
        }
      }
    }
  };

  auto finish = [&](ProcessResult result) {
    size_t index = result.token;
    if (result.succeeded() && m_options.check_outputs) {
      if (auto missing = missing_output(index)) {
        result.outcome = ProcessOutcome::MissingOutputs;
        result.message = *missing;
      }
    }
    const Stage& stage = m_pipeline.stages[index];
    StageReport& stage_report = report.stages[index];
    stage_report.last = result;
    stage_report.duration += result.duration;
    if (result.succeeded()) {
      if (m_cache) {
        m_cache->finish(index, stage_report);
        pass_on_warnings(m_reporter, stage, stage_report);
      }
      stage_report.status = StageStatus::Succeeded;
      m_reporter.stage_finished(stage, stage_report);
      schedule.succeeded(index);
      return;
    }
    if (result.outcome == ProcessOutcome::Cancelled || report.interrupt_signal != 0) {
      stage_report.status = StageStatus::Cancelled;
      m_reporter.stage_finished(stage, stage_report);
      return;
    }
    if (stage_report.attempts <= stage.retries && !stopping) {
      m_reporter.stage_retrying(stage, result, stage_report.attempts + 1, stage.retry_delay);
      stage_report.status = StageStatus::Pending;
      retries.push({m_clock.now() + stage.retry_delay, index});
      return;
    }
    stage_report.status = StageStatus::Failed;
    m_reporter.stage_finished(stage, stage_report);
    for (size_t blocked : schedule.failed(index)) {
      report.stages[blocked].status = StageStatus::Skipped;
      report.stages[blocked].note = "upstream " + stage.name + " failed";
    }
    if (!m_options.keep_going) {
      stopping = true;
      drop_retries(StageStatus::Failed);
    }
  };

  while (true) {
    while (!stopping && running < jobs && !retries.empty() && retries.top().due <= m_clock.now()) {
      size_t index = retries.top().stage;
      retries.pop();
      launch(index);
    }
    while (!stopping && running < jobs && schedule.has_ready()) {
      launch(schedule.pop_ready());
    }
    if (running == 0 && (retries.empty() || stopping)) {
      break;
    }
    std::optional<SteadyTime> until;
    if (!retries.empty() && running < jobs) {
      until = retries.top().due;
    }
    if (auto flush_by = m_reporter.flush(m_clock.now());
        flush_by && (!until || *flush_by < *until)) {
      until = flush_by;
    }
    WaitResult waited = m_runner.wait(until);
    if (waited.interrupt_signal != 0) {
      if (report.interrupt_signal == 0) {
        report.interrupt_signal = waited.interrupt_signal;
        stopping = true;
        m_reporter.interrupted(waited.interrupt_signal, running);
        drop_retries(StageStatus::Cancelled);
      }
      m_runner.cancel_all();
    }
    for (const auto& result : waited.finished) {
      --running;
      finish(result);
    }
  }
  report.duration = std::chrono::duration_cast<Milliseconds>(m_clock.now() - run_start);
  for (auto& stage_report : report.stages) {
    if (stage_report.status == StageStatus::Pending && stage_report.note.empty()) {
      stage_report.note =
          report.interrupt_signal ? "run interrupted" : "run stopped after a failure";
    }
  }
  m_reporter.run_finished(m_pipeline, report);
  return report;
}

}  // namespace mlops
