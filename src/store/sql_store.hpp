// The metadata store over SQL: one implementation of MetadataStore for both engines (sql.hpp),
// the embedded SQLite file (the default: .mlops/store.db) and a PostgreSQL database shared by
// several machines (docs/metadata-store.md).
//
// Every write that takes more than one statement runs in a write transaction (in_write), which
// serializes writers on both engines; on PostgreSQL a transaction that fails for a passing reason
// (a serialization failure, a deadlock, a lost connection) is run again, up to 10 times, so that
// concurrent mlops processes never see those errors. One connection per store object, used by one
// thread at a time.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "store/metadata_store.hpp"
#include "store/sql.hpp"

namespace mlops {

class SqlStore final : public MetadataStore {
 public:
  // Opens the store at `locator` (store_locator.hpp; ":memory:" for tests). A SQLite file is
  // created if needed and migrated; a PostgreSQL database must be at this mlops's schema
  // version (`mlops store migrate`). Io when it cannot be opened or reached (the message names
  // no password), is not a database or cannot be migrated; InvalidSpec when a newer mlops wrote
  // it, or a PostgreSQL store is older than this mlops.
  static Result<std::unique_ptr<SqlStore>> open(const std::string& locator);
  // `mlops store migrate`: brings the store at `locator` to this mlops's schema version (a
  // SQLite file is created if missing). Returns the versions before and after. Errors as open().
  static Result<std::pair<int, int>> migrate(const std::string& locator);

  sql::Dialect dialect() const { return m_db->dialect(); }
  // The connection itself, for `store copy` (store_copy.hpp).
  sql::Connection& connection() { return *m_db; }

  Status heartbeat(const std::string& run_id, const std::string& at) override;
  Result<bool> try_lock_pipeline(const std::string& pipeline) override;
  void unlock_pipeline(const std::string& pipeline) override;

  using MetadataStore::begin_run;
  Status begin_run(const RunRecord& run, const std::vector<TriggerAdvance>& advances) override;
  Status advance_triggers(const std::vector<TriggerAdvance>& advances,
                          const std::string& time) override;
  Result<std::vector<TriggerState>> trigger_states(const std::string& pipeline) override;
  Result<bool> has_consumed(const std::string& pipeline, const std::string& path,
                            const std::string& digest) override;
  Status finish_run(const std::string& run_id, const std::string& status,
                    const std::string& ended_at) override;
  Result<int64_t> begin_execution(const ExecutionRecord& execution) override;
  Status finish_execution(const ExecutionOutcome& outcome) override;
  Result<std::vector<int64_t>> record_batch(const std::vector<ExecutionWrite>& items) override;
  Result<bool> mark_interrupted(const std::string& run_id, const std::string& ended_at) override;
  void set_write_wait(std::chrono::milliseconds wait) override { m_db->set_busy_wait(wait); }
  void hold_reads() override { m_db->hold_reads(); }
  void release_reads() override { m_db->release_reads(); }

  Result<std::optional<FileStat>> find_file_stat(const std::string& path) override;
  Status remember_file_stats(const std::vector<FileStat>& stats) override;
  Result<std::optional<CachedExecution>> find_cached_execution(
      const std::string& pipeline, const std::string& stage,
      const std::string& fingerprint) override;
  Result<std::optional<ExecutionRecord>> find_latest_success(const std::string& pipeline,
                                                             const std::string& stage) override;
  Result<std::vector<ArtifactVersion>> outputs_of_run(const std::string& run_id) override;
  Result<std::vector<ArtifactVersion>> outputs_as_of(const std::string& time) override;
  Result<std::optional<RunRecord>> find_run(const std::string& run_id) override;
  Result<std::vector<RunRecord>> list_runs(const RunFilter& filter) override;
  Result<std::vector<std::string>> run_ids(const std::string& prefix, int limit) override;
  Result<std::vector<ExecutionRecord>> executions_of(const std::string& run_id) override;
  Result<std::vector<std::string>> runs_named(const std::string& name, int limit) override;
  Status update_run_tags(const std::string& run_id, const std::map<std::string, std::string>& set,
                         const std::vector<std::string>& remove) override;
  Status set_run_note(const std::string& run_id, const std::optional<std::string>& note) override;
  Status record_hook_execution(const HookExecutionRecord& hook) override;
  Result<std::vector<HookExecutionRecord>> hook_executions_of(const std::string& run_id) override;
  Result<std::vector<MetricRecord>> metrics_of_runs(
      const std::vector<std::string>& run_ids) override;
  Result<std::set<std::string>> producing_runs() override;
  Result<std::optional<ExecutionRecord>> find_execution(int64_t id) override;
  Result<std::vector<EventRecord>> events_of_run(const std::string& run_id) override;
  Result<std::vector<EventRecord>> events_of_execution(int64_t execution_id) override;
  Result<std::vector<ExecutionRecord>> executions_using(int64_t artifact_id,
                                                        const std::string& direction) override;
  Result<std::optional<ArtifactRecord>> find_artifact(int64_t id) override;
  Result<std::optional<ArtifactRecord>> newest_artifact(const std::string& path) override;
  Result<std::vector<ArtifactRecord>> artifact_history(const std::string& path) override;
  Result<std::vector<ArtifactRecord>> latest_artifacts(const std::string& prefix) override;
  Result<std::vector<MetricRecord>> metrics_of_run(const std::string& run_id) override;
  Result<std::vector<std::string>> metric_pipelines(const std::string& key) override;
  Result<std::vector<MetricRecord>> metric_history(const std::string& key,
                                                   const std::string& pipeline) override;

  Result<ModelVersionRecord> register_model_version(const ModelVersionRecord& version) override;
  Result<std::vector<ModelSummary>> list_models() override;
  Result<std::optional<ModelSummary>> find_model(const std::string& name) override;
  Result<std::vector<ModelVersionRecord>> model_versions(const std::string& name, int limit,
                                                         std::optional<int64_t> before) override;
  Result<std::optional<ModelVersionRecord>> find_model_version_by_digest(
      const std::string& name, const std::string& digest) override;
  Result<std::optional<ModelVersionRecord>> find_model_version(const std::string& name,
                                                               int64_t version) override;
  Result<std::optional<ModelVersionRecord>> resolve_alias(const std::string& name,
                                                          const std::string& alias) override;
  Result<AliasMove> move_alias(const AliasMoveRequest& request) override;
  Result<int64_t> record_gate(const GateResultRecord& gate,
                              const std::optional<AliasMoveRequest>& promote) override;
  Result<std::optional<GateResultRecord>> latest_gate_result(const std::string& name,
                                                             int64_t version) override;
  Result<std::vector<GateResultRecord>> gate_results_of_run(const std::string& run_id) override;
  Result<std::vector<AliasMove>> alias_history(const std::string& name,
                                               const std::optional<std::string>& alias) override;
  Status set_model_tag(const std::string& name, int64_t version, const std::string& key,
                       const std::optional<std::string>& value) override;
  Result<std::vector<ModelTag>> model_tags(const std::string& name, int64_t version) override;
  Status record_trigger_evaluations(const std::vector<TriggerEvaluation>& evaluations) override;
  Result<std::vector<TriggerEvaluation>> trigger_evaluations(const std::string& pipeline,
                                                             int limit) override;

 private:
  // The bodies of begin_run, record_batch and mark_interrupted, inside their transaction.
  Status write_run(const RunRecord& run, const std::vector<TriggerAdvance>& advances);
  Status write_run_tags(const std::string& run_id, const std::map<std::string, std::string>& set,
                        const std::vector<std::string>& remove);
  Result<bool> run_exists(const std::string& run_id);
  // The tags of these runs, set in each (one query: a JSON array of ids bound once).
  Status read_tags(std::vector<RunRecord>& runs);
  Result<std::vector<int64_t>> write_batch(const std::vector<ExecutionWrite>& items);
  Result<bool> write_interrupted(const std::string& run_id, const std::string& ended_at);
  // Inserts an execution row; returns its id: `reserved` (PostgreSQL, from
  // reserve_execution_ids: the insert is deferred), else the one the database gives.
  Result<int64_t> insert_execution(const ExecutionRecord& execution,
                                   std::optional<int64_t> reserved = std::nullopt);
  Result<std::vector<int64_t>> reserve_execution_ids(size_t count);
  // Ends an execution row: its status, then write_links.
  Status write_outcome(const ExecutionOutcome& outcome);
  // The execution's events (the versions it read and wrote) and metric values.
  Status write_links(const ExecutionOutcome& outcome);
  // The row of a version, created if new; `producer` is the execution that wrote it by running.
  Result<int64_t> artifact_id(const ArtifactVersion& version, std::optional<int64_t> producer,
                              const std::string& created_at);
  // PostgreSQL: the row of a version (as artifact_id) and the execution's event, in one
  // statement.
  Status link_version(const ArtifactVersion& version, std::optional<int64_t> producer,
                      const std::string& created_at, int64_t execution_id, const char* direction);
  // Inside a write transaction: the alias move and its history row.
  Result<AliasMove> write_alias_move(const AliasMoveRequest& request,
                                     std::optional<int64_t> gate_result);
  Result<std::optional<int64_t>> model_id(const std::string& name);
  // The bodies of register_model_version, record_gate and set_model_tag, in their transaction.
  Result<ModelVersionRecord> write_model_version(const ModelVersionRecord& version);
  Result<int64_t> write_gate(const GateResultRecord& gate,
                             const std::optional<AliasMoveRequest>& promote);
  Status write_model_tag(const std::string& name, int64_t version, const std::string& key,
                         const std::optional<std::string>& value);
  Status write_advances(const std::vector<TriggerAdvance>& advances, const std::string& time,
                        const std::optional<std::string>& run_id);
  // Inside a write transaction: one row of trigger_evaluations.
  Status insert_trigger_evaluation(const TriggerEvaluation& evaluation);

  // Runs `body` (returning a Status or a Result) in a write transaction, committed when it
  // succeeds; again after a passing failure (sql::Connection::recover_transient).
  template <typename Body>
  auto in_write(Body&& body) -> decltype(body());
  // Whether to run a failed transaction again (attempt counts from 1); sleeps a little first.
  bool retry_after(int attempt);

  explicit SqlStore(std::unique_ptr<sql::Connection> connection) : m_db(std::move(connection)) {}
  std::unique_ptr<sql::Connection> m_db;
};

}  // namespace mlops

namespace mlops {

template <typename Body>
auto SqlStore::in_write(Body&& body) -> decltype(body()) {
  for (int attempt = 1;; ++attempt) {
    auto transaction = sql::WriteTransaction::begin(*m_db);
    if (!transaction.ok()) {
      if (retry_after(attempt)) {
        continue;
      }
      return transaction.error();
    }
    auto result = body();
    Status committed = result.ok() ? (*transaction)->commit() : Status::success();
    if (result.ok() && committed.ok()) {
      return result;
    }
    Error error = result.ok() ? committed.error() : result.error();
    transaction->reset();  // rolled back before it runs again
    if (!retry_after(attempt)) {
      return error;
    }
  }
}

}  // namespace mlops
