#include "engine/run_recorder.hpp"

#include <fmt/format.h>

#include "engine/metrics_file.hpp"
#include "spec/stage_command.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

const char* execution_status(StageStatus status) {
  switch (status) {
    case StageStatus::Succeeded:
      return "succeeded";
    case StageStatus::Cancelled:
      return "cancelled";
    default:
      return "failed";
  }
}

}  // namespace

RunRecorder::RunRecorder(MetadataStore& store, const Pipeline& pipeline, std::string run_id)
    : m_store(store), m_pipeline(pipeline), m_run_id(std::move(run_id)) {}

Status RunRecorder::begin(const RunRecord& run, const std::vector<TriggerAdvance>& advances) {
  return m_store.begin_run(run, advances);
}

void RunRecorder::fail(const std::string& message) {
  if (!m_failed && m_listener) {
    m_listener->warning(nullptr,
                        fmt::format("recording run {} in the metadata store failed: {}; stages go "
                                    "on, but this run's record is incomplete",
                                    m_run_id, message));
  }
  m_failed = true;
}

size_t RunRecorder::index_of(const Stage& stage) const {
  return static_cast<size_t>(&stage - m_pipeline.stages.data());
}

void RunRecorder::stage_started(const Stage& stage, int attempt, int, const ProcessRequest& request,
                                const StageReport& report) {
  if (m_failed) {
    return;
  }
  OpenExecution open;
  open.record.run_id = m_run_id;
  open.record.stage = stage.name;
  open.record.attempt = attempt;
  open.record.command = stage_command_text(stage);
  open.record.started_at = now_utc_iso();
  open.record.log_path = workspace_relative(m_pipeline.workspace, request.log_path.string())
                             .value_or(request.log_path.string());
  open.record.fingerprint =
      report.fingerprint.empty() ? std::nullopt : std::optional(report.fingerprint);
  open.inputs = report.inputs;
  size_t index = index_of(stage);
  open.pending_item = m_batch.size();
  m_batch.push_back({open.record, std::nullopt});
  m_batch_stage.push_back(index);
  m_open[index] = std::move(open);
}

void RunRecorder::on_started(size_t token, const StartedProcess& process) {
  // The executor's token is the stage's index, and it starts the process right after telling
  // stage_started, so the execution's start is still in the batch.
  auto open = m_open.find(token);
  if (m_failed || open == m_open.end() || open->second.id != 0 ||
      open->second.pending_item >= m_batch.size()) {
    return;
  }
  ExecutionWrite& write = m_batch[open->second.pending_item];
  if (write.start) {
    write.start->pid = process.pid;
    write.start->pid_start_ticks = process.start_ticks;
  }
  open->second.record.pid = process.pid;
  open->second.record.pid_start_ticks = process.start_ticks;
}

std::vector<MetricValue> RunRecorder::read_metrics(const Stage& stage) {
  std::vector<MetricValue> metrics;
  for (const auto& path : stage.metrics) {
    auto values = read_metrics_file(m_pipeline.workspace / path.value);
    if (!values.ok()) {
      if (m_listener) {
        m_listener->warning(&stage, values.error().message());
      }
      continue;
    }
    // Several metrics files: keys from all of them, as written.
    metrics.insert(metrics.end(), values->begin(), values->end());
  }
  return metrics;
}

void RunRecorder::stage_cached(const Stage& stage, const StageReport& report) {
  if (m_failed) {
    return;
  }
  // A cached execution: not run, linked to the versions it would have read and the ones it
  // produced earlier (or restored), so lineage stays whole.
  ExecutionRecord record;
  record.run_id = m_run_id;
  record.stage = stage.name;
  record.attempt = 1;
  record.status = "succeeded";
  record.command = stage_command_text(stage);
  record.started_at = now_utc_iso();
  record.fingerprint = report.fingerprint;
  record.cached = true;
  ExecutionOutcome outcome{record, report.inputs, report.outputs, read_metrics(stage)};
  outcome.execution.ended_at = record.started_at;
  outcome.execution.message = report.note;
  m_batch.push_back({record, std::move(outcome)});
  m_batch_stage.push_back(index_of(stage));
}

std::optional<SteadyTime> RunRecorder::flush(SteadyTime now) {
  constexpr auto k_batch_window = std::chrono::milliseconds(100);
  if (m_batch.empty()) {
    m_first_pending.reset();
    return std::nullopt;
  }
  if (!m_first_pending) {
    m_first_pending = now;
  }
  if (now - *m_first_pending < k_batch_window) {
    return *m_first_pending + k_batch_window;
  }
  write_pending();
  return std::nullopt;
}

void RunRecorder::write_pending() {
  m_first_pending.reset();
  if (m_failed || m_batch.empty()) {
    m_batch.clear();
    m_batch_stage.clear();
    return;
  }
  auto ids = m_store.record_batch(m_batch);
  if (!ids.ok()) {
    fail(ids.error().message());
  } else {
    for (size_t i = 0; i < m_batch.size(); ++i) {
      auto open = m_open.find(m_batch_stage[i]);
      if (m_batch[i].start && open != m_open.end() && open->second.id == 0 &&
          open->second.pending_item == i) {
        open->second.id = (*ids)[i];
        open->second.record.id = (*ids)[i];
      }
    }
  }
  m_batch.clear();
  m_batch_stage.clear();
}

void RunRecorder::close(size_t index, const std::string& status, const ProcessResult& result,
                        const std::vector<ArtifactVersion>& outputs) {
  auto it = m_open.find(index);
  if (it == m_open.end() || m_failed) {
    return;
  }
  OpenExecution open = std::move(it->second);
  m_open.erase(it);
  const Stage& stage = m_pipeline.stages[index];
  ExecutionOutcome outcome;
  outcome.execution = open.record;
  outcome.execution.status = status;
  outcome.execution.ended_at = now_utc_iso();
  if (result.outcome == ProcessOutcome::Exited ||
      result.outcome == ProcessOutcome::MissingOutputs) {
    outcome.execution.exit_code = result.exit_code;
  }
  if (result.signal != 0) {
    outcome.execution.signal = result.signal;
  }
  if (!result.message.empty()) {
    outcome.execution.message = result.message;
  }
  outcome.inputs = std::move(open.inputs);
  if (status == "succeeded") {
    outcome.outputs = outputs;
    outcome.metrics = read_metrics(stage);
  }
  if (open.id == 0) {
    // Started and ended within one batch: one insert with its end.
    m_batch[open.pending_item].end = std::move(outcome);
  } else {
    m_batch.push_back({std::nullopt, std::move(outcome)});
    m_batch_stage.push_back(index);
  }
}

void RunRecorder::stage_retrying(const Stage& stage, const ProcessResult& result, int,
                                 Milliseconds) {
  close(index_of(stage), "failed", result, {});
}

void RunRecorder::stage_finished(const Stage& stage, const StageReport& report) {
  close(index_of(stage), execution_status(report.status), report.last, report.outputs);
}

void RunRecorder::run_finished(const Pipeline&, const RunReport& report) {
  write_pending();
  if (m_failed) {
    return;
  }
  std::string status = report.interrupt_signal != 0            ? "cancelled"
                       : report.count(StageStatus::Failed) > 0 ? "failed"
                                                               : "succeeded";
  Status recorded = m_store.finish_run(m_run_id, status, now_utc_iso());
  if (!recorded.ok()) {
    fail(recorded.error().message());
  }
}

}  // namespace mlops
