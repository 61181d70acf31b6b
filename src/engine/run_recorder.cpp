#include "engine/run_recorder.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/metrics_file.hpp"
#include "engine/record_journal.hpp"
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
    case StageStatus::Rejected:
      return "rejected";
    default:
      return "failed";
  }
}

}  // namespace

RunRecorder::RunRecorder(MetadataStore& store, const Pipeline& pipeline, std::string run_id)
    : m_store(store), m_pipeline(pipeline), m_run_id(std::move(run_id)) {}

namespace {

// While stages run, a write waits at most this long for another process's lock, then is retried
// later: recording never holds up scheduling, timeouts or signals.
constexpr auto k_write_wait = std::chrono::milliseconds(20);
constexpr auto k_retry_every = std::chrono::milliseconds(200);
constexpr auto k_tell_busy_after = std::chrono::seconds(10);
// At the end of an interrupted run: how long to wait for a locked store before keeping a
// journal (the user is waiting for mlops to stop).
constexpr auto k_end_wait_interrupted = std::chrono::milliseconds(5000);
constexpr auto k_default_wait = std::chrono::seconds(30);

}  // namespace

Status RunRecorder::begin(const RunRecord& run, const std::vector<TriggerAdvance>& advances) {
  Status begun = m_store.begin_run(run, advances);
  if (begun.ok()) {
    m_store.set_write_wait(k_write_wait);
  }
  return begun;
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
  std::optional<SteadyTime> next = flush_batch(now);
  if (auto heartbeat = beat(now); heartbeat && (!next || *heartbeat < *next)) {
    next = heartbeat;
  }
  return next;
}

std::optional<SteadyTime> RunRecorder::beat(SteadyTime now) {
  if (!m_heartbeat_every || m_failed) {
    return std::nullopt;
  }
  if (!m_next_heartbeat) {
    m_next_heartbeat = now + *m_heartbeat_every;  // begin() wrote the first one
  } else if (now >= *m_next_heartbeat) {
    // A failed heartbeat (a locked SQLite store) is not worth a warning: the next one follows.
    (void)m_store.heartbeat(m_run_id, now_utc_iso());
    m_next_heartbeat = now + *m_heartbeat_every;
  }
  return m_next_heartbeat;
}

std::optional<SteadyTime> RunRecorder::flush_batch(SteadyTime now) {
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
  if (m_retry_at && now < *m_retry_at) {
    return m_retry_at;
  }
  if (!try_write()) {
    return retry_later(now);
  }
  return std::nullopt;
}

std::optional<SteadyTime> RunRecorder::retry_later(SteadyTime now) {
  if (!m_busy_since) {
    m_busy_since = now;
  }
  if (!m_told_busy && now - *m_busy_since >= k_tell_busy_after && m_listener) {
    m_told_busy = true;
    m_listener->warning(nullptr, fmt::format("the metadata store is locked by another process; "
                                             "recording of run {} waits (nothing is lost, the "
                                             "stages go on)",
                                             m_run_id));
  }
  m_retry_at = now + k_retry_every;
  return m_retry_at;
}

bool RunRecorder::try_write() {
  if (m_failed || m_batch.empty()) {
    m_batch.clear();
    m_batch_stage.clear();
    m_first_pending.reset();
    return true;
  }
  auto ids = m_store.record_batch(m_batch);
  if (!ids.ok() && ids.error().kind() == ErrorKind::Busy) {
    return false;
  }
  m_first_pending.reset();
  m_busy_since.reset();
  m_retry_at.reset();
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
  return true;
}

void RunRecorder::close(size_t index, const std::string& status, const ProcessResult& result,
                        const std::vector<ArtifactVersion>& outputs,
                        const std::vector<ArtifactVersion>& late_inputs) {
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
  // Inputs known only once the stage succeeded (the feature-group commits a dataset read).
  for (const auto& input : late_inputs) {
    if (std::none_of(outcome.inputs.begin(), outcome.inputs.end(),
                     [&](const ArtifactVersion& known) { return known.path == input.path; })) {
      outcome.inputs.push_back(input);
    }
  }
  if (status == "succeeded" || status == "rejected") {  // a rejection's reports are kept
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
  close(index_of(stage), "failed", result, {}, {});
}

void RunRecorder::stage_finished(const Stage& stage, const StageReport& report) {
  close(index_of(stage), execution_status(report.status), report.last, report.outputs,
        report.inputs);
}

void RunRecorder::run_finished(const Pipeline&, const RunReport& report) {
  std::string status = report.status_name();
  finish_or_journal(status, report.interrupt_signal != 0);
  m_store.set_write_wait(k_default_wait);
}

void RunRecorder::finish_or_journal(const std::string& status, bool interrupted) {
  m_store.set_write_wait(interrupted ? std::min(m_end_wait, k_end_wait_interrupted) : m_end_wait);
  if (!try_write()) {
    keep_journal(status, now_utc_iso());
    return;
  }
  if (m_failed) {
    return;
  }
  std::string ended_at = now_utc_iso();
  Status recorded = m_store.finish_run(m_run_id, status, ended_at);
  if (!recorded.ok() && recorded.error().kind() == ErrorKind::Busy) {
    keep_journal(status, ended_at);
  } else if (!recorded.ok()) {
    fail(recorded.error().message());
  }
}

void RunRecorder::keep_journal(const std::string& status, const std::string& ended_at) {
  Status kept = m_journal.empty()
                    ? Status(Error(ErrorKind::Io, "no journal file was given"))
                    : write_run_journal(m_journal, RunJournal{m_run_id, m_batch, status, ended_at});
  if (!kept.ok()) {
    fail("the store stayed locked by another process and the journal could not be written: " +
         kept.error().message());
    return;
  }
  m_batch.clear();
  m_batch_stage.clear();
  if (m_listener) {
    m_listener->warning(nullptr, fmt::format("the metadata store stayed locked by another "
                                             "process; run {}'s record is kept in {} and the "
                                             "next mlops command adds it to the store",
                                             m_run_id, m_journal.string()));
  }
}

}  // namespace mlops
