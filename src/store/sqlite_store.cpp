#include "store/sqlite_store.hpp"

#include "store/schema.hpp"

namespace mlops {
namespace {

std::optional<std::string> optional_text(const sqlite::Statement& row, int column) {
  return row.column_is_null(column) ? std::nullopt : std::optional(row.column_text(column));
}

std::optional<int64_t> optional_int(const sqlite::Statement& row, int column) {
  return row.column_is_null(column) ? std::nullopt : std::optional(row.column_int(column));
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  auto connection = sqlite::Connection::open(path);
  if (!connection.ok()) {
    return connection.error();
  }
  Status migrated = migrate_store(**connection, store_migrations());
  if (!migrated.ok()) {
    return migrated.error();
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*connection)));
}

Status SqliteStore::begin_run(const RunRecord& run) {
  auto transaction = sqlite::WriteTransaction::begin(*m_db);
  if (!transaction.ok()) {
    return transaction.error();
  }
  auto pipeline = m_db->prepare(
      "INSERT INTO pipelines (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING");
  if (!pipeline.ok()) {
    return pipeline.error();
  }
  Status inserted = pipeline->bind(1, run.pipeline).bind(2, run.started_at).run();
  if (!inserted.ok()) {
    return inserted;
  }
  auto insert = m_db->prepare(
      "INSERT INTO runs (id, pipeline_id, pipeline_file, pipeline_hash, status, cause, "
      "cause_detail, params_json, git_commit, git_branch, git_dirty, host, user, mlops_version, "
      "owner_pid, started_at) "
      "SELECT ?1, id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15 "
      "FROM pipelines WHERE name = ?16");
  if (!insert.ok()) {
    return insert.error();
  }
  insert->bind(1, run.id)
      .bind(2, run.pipeline_file)
      .bind(3, run.pipeline_hash)
      .bind(4, run.status)
      .bind(5, run.cause)
      .bind_optional(6, run.cause_detail)
      .bind(7, run.params_json)
      .bind_optional(8, run.git_commit)
      .bind_optional(9, run.git_branch);
  insert->bind_optional(
      10, run.git_dirty ? std::optional<int64_t>(*run.git_dirty ? 1 : 0) : std::nullopt);
  insert->bind(11, run.host)
      .bind(12, run.user)
      .bind(13, run.mlops_version)
      .bind(14, run.owner_pid)
      .bind(15, run.started_at)
      .bind(16, run.pipeline);
  Status recorded = insert->run();
  if (!recorded.ok()) {
    return recorded;
  }
  return (*transaction)->commit();
}

Status SqliteStore::finish_run(const std::string& run_id, const std::string& status,
                               const std::string& ended_at) {
  auto update = m_db->prepare("UPDATE runs SET status = ?1, ended_at = ?2 WHERE id = ?3");
  if (!update.ok()) {
    return update.error();
  }
  // A single statement is its own (immediate, since it writes) transaction.
  return update->bind(1, status).bind(2, ended_at).bind(3, run_id).run();
}

Result<int64_t> SqliteStore::begin_execution(const ExecutionRecord& execution) {
  auto insert = m_db->prepare(
      "INSERT INTO executions (run_id, stage, attempt, status, command, started_at, log_path) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert.ok()) {
    return insert.error();
  }
  Status inserted = insert->bind(1, execution.run_id)
                        .bind(2, execution.stage)
                        .bind(3, static_cast<int64_t>(execution.attempt))
                        .bind(4, execution.status)
                        .bind(5, execution.command)
                        .bind(6, execution.started_at)
                        .bind_optional(7, execution.log_path)
                        .run();
  if (!inserted.ok()) {
    return inserted.error();
  }
  return m_db->last_insert_id();
}

Status SqliteStore::finish_execution(const ExecutionRecord& execution) {
  auto update = m_db->prepare(
      "UPDATE executions SET status = ?1, exit_code = ?2, signal = ?3, message = ?4, "
      "ended_at = ?5 WHERE id = ?6");
  if (!update.ok()) {
    return update.error();
  }
  update->bind(1, execution.status)
      .bind_optional(2, execution.exit_code)
      .bind_optional(3, execution.signal);
  update->bind_optional(4, execution.message).bind_optional(5, execution.ended_at);
  update->bind(6, execution.id);
  return update->run();
}

Result<std::optional<RunRecord>> SqliteStore::find_run(const std::string& run_id) {
  auto query = m_db->prepare(
      "SELECT r.id, p.name, r.pipeline_file, r.pipeline_hash, r.status, r.cause, r.cause_detail, "
      "r.params_json, r.git_commit, r.git_branch, r.git_dirty, r.host, r.user, r.mlops_version, "
      "r.owner_pid, r.started_at, r.ended_at "
      "FROM runs r JOIN pipelines p ON p.id = r.pipeline_id WHERE r.id = ?1");
  if (!query.ok()) {
    return query.error();
  }
  query->bind(1, run_id);
  auto row = query->step();
  if (!row.ok()) {
    return row.error();
  }
  if (!*row) {
    return std::optional<RunRecord>();
  }
  RunRecord run;
  run.id = query->column_text(0);
  run.pipeline = query->column_text(1);
  run.pipeline_file = query->column_text(2);
  run.pipeline_hash = query->column_text(3);
  run.status = query->column_text(4);
  run.cause = query->column_text(5);
  run.cause_detail = optional_text(*query, 6);
  run.params_json = query->column_text(7);
  run.git_commit = optional_text(*query, 8);
  run.git_branch = optional_text(*query, 9);
  if (auto dirty = optional_int(*query, 10)) {
    run.git_dirty = *dirty != 0;
  }
  run.host = query->column_text(11);
  run.user = query->column_text(12);
  run.mlops_version = query->column_text(13);
  run.owner_pid = query->column_int(14);
  run.started_at = query->column_text(15);
  run.ended_at = optional_text(*query, 16);
  return std::optional<RunRecord>(std::move(run));
}

Result<std::vector<ExecutionRecord>> SqliteStore::executions_of(const std::string& run_id) {
  auto query = m_db->prepare(
      "SELECT id, run_id, stage, attempt, status, command, exit_code, signal, message, "
      "started_at, ended_at, log_path FROM executions WHERE run_id = ?1 ORDER BY id");
  if (!query.ok()) {
    return query.error();
  }
  query->bind(1, run_id);
  std::vector<ExecutionRecord> executions;
  while (true) {
    auto row = query->step();
    if (!row.ok()) {
      return row.error();
    }
    if (!*row) {
      return executions;
    }
    ExecutionRecord execution;
    execution.id = query->column_int(0);
    execution.run_id = query->column_text(1);
    execution.stage = query->column_text(2);
    execution.attempt = static_cast<int>(query->column_int(3));
    execution.status = query->column_text(4);
    execution.command = query->column_text(5);
    execution.exit_code = optional_int(*query, 6);
    execution.signal = optional_int(*query, 7);
    execution.message = optional_text(*query, 8);
    execution.started_at = query->column_text(9);
    execution.ended_at = optional_text(*query, 10);
    execution.log_path = optional_text(*query, 11);
    executions.push_back(std::move(execution));
  }
}

}  // namespace mlops
