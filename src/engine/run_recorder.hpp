// Records a run in the metadata store as it happens: a Reporter beside the terminal one.
//
// When an attempt starts, an execution row is written as running, with its fingerprint. When it
// ends, its status, the dep versions it read and, if it succeeded, the versions of its outs and
// metrics files and the metric values are written (the versions come from the StageReport,
// where the output cache put them). A stage skipped as up to date is written as a cached
// execution linked to the same versions. Writes are gathered
// and committed together, at most 100 ms after the first of them (flush()): a pipeline of many
// short stages costs a few commits a second instead of two per stage, and a crash (kill -9,
// power loss) can lose at most the last 100 ms of execution rows; the run itself is then marked
// interrupted by the next mlops.
// A store error during the run is reported once, as a warning to the reporters beside it (see
// tell_warnings_to), and recording stops; the stages go on, since killing a training run because
// a disk filled up would lose more than it saves. An unreadable metrics file is a warning too.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/reporter.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

class RunRecorder final : public Reporter {
 public:
  RunRecorder(MetadataStore& store, const Pipeline& pipeline, std::string run_id);

  // Writes the run row (status running), advancing the trigger states that started it in the
  // same transaction. Call before any stage starts.
  Status begin(const RunRecord& run, const std::vector<TriggerAdvance>& advances = {});
  // True when a store write failed during the run (the message went to the warnings' listener).
  bool failed() const { return m_failed; }

  void stage_started(const Stage& stage, int attempt, int max_attempts,
                     const ProcessRequest& request, const StageReport& report) override;
  // Records the stage's process (pid and start time) with its execution row.
  void on_started(size_t token, const StartedProcess& process) override;
  void stage_cached(const Stage& stage, const StageReport& report) override;
  void stage_retrying(const Stage& stage, const ProcessResult& result, int next_attempt,
                      Milliseconds delay) override;
  void stage_finished(const Stage& stage, const StageReport& report) override;
  void run_finished(const Pipeline& pipeline, const RunReport& report) override;
  std::optional<SteadyTime> flush(SteadyTime now) override;
  // Where its warnings go; a ReporterList it belongs to calls this. Without one they are dropped.
  void tell_warnings_to(Reporter& listener) override { m_listener = &listener; }
  // Where to keep what the store still refuses at the end of the run (engine/record_journal.hpp).
  void set_journal(std::filesystem::path path) { m_journal = std::move(path); }
  // How long the end of the run waits for a locked store before keeping the journal (60 s; 5 s
  // after an interrupt).
  void set_end_wait(std::chrono::milliseconds wait) { m_end_wait = wait; }
  // Writes the run's heartbeat (MetadataStore::heartbeat) every `every` while stages run, from
  // flush(), so that a run whose mlops died is found interrupted from any host. Off unless set.
  void set_heartbeat(std::chrono::milliseconds every) { m_heartbeat_every = every; }

 private:
  struct OpenExecution {
    int64_t id = 0;           // 0 until its start is written
    size_t pending_item = 0;  // its item in m_batch while id is 0
    ExecutionRecord record;
    std::vector<ArtifactVersion> inputs;
  };

  size_t index_of(const Stage& stage) const;
  void close(size_t index, const std::string& status, const ProcessResult& result,
             const std::vector<ArtifactVersion>& outputs,
             const std::vector<ArtifactVersion>& late_inputs);
  void fail(const std::string& message);
  // The values in a stage's metrics files (a cached stage's are the restored or current files).
  std::vector<MetricValue> read_metrics(const Stage& stage);
  // Writes the gathered changes; false when another process holds the store's write lock (they
  // are kept for the next try), true when written or when recording failed for good.
  bool try_write();
  // flush() without the heartbeat: writes the gathered changes when due.
  std::optional<SteadyTime> flush_batch(SteadyTime now);
  // Writes the heartbeat when due; when the next one is due.
  std::optional<SteadyTime> beat(SteadyTime now);
  // Retries while the store is locked: when to try again, and a warning once it lasts.
  std::optional<SteadyTime> retry_later(SteadyTime now);
  // The end of the run: waits (bounded) for a locked store, else keeps a journal.
  void finish_or_journal(const std::string& status, bool interrupted);
  void keep_journal(const std::string& status, const std::string& ended_at);

  MetadataStore& m_store;
  const Pipeline& m_pipeline;
  std::string m_run_id;
  std::map<size_t, OpenExecution> m_open;  // by stage index
  std::vector<ExecutionWrite> m_batch;     // not written yet
  std::vector<size_t> m_batch_stage;       // parallel to m_batch: the stage index
  bool m_failed = false;
  std::optional<SteadyTime> m_first_pending;  // when the oldest unwritten change was made
  std::optional<SteadyTime> m_busy_since;     // the store has been locked since
  std::optional<SteadyTime> m_retry_at;
  bool m_told_busy = false;
  std::filesystem::path m_journal;
  std::chrono::milliseconds m_end_wait{60000};
  std::optional<std::chrono::milliseconds> m_heartbeat_every;
  std::optional<SteadyTime> m_next_heartbeat;
  Reporter* m_listener = nullptr;  // told the warnings
};

}  // namespace mlops
