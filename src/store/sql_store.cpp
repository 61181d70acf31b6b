// SqlStore: the writes. Reads are in sql_store_queries.cpp.
#include "store/sql_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "store/schema.hpp"
#include "store/store_locator.hpp"

namespace mlops {

// A cached statement (sql::Connection::cached) as a reference named `name`, or a return of
// the error.
#define MLOPS_STATEMENT(name, text)             \
  MLOPS_TRY(name##_cached, m_db->cached(text)); \
  sql::Statement& name = **name##_cached

namespace {

Result<std::unique_ptr<sql::Connection>> connect(const std::string& locator) {
  if (store_engine(locator) == StoreEngine::Postgres) {
    auto connection = sql::open_postgres(locator);
    if (!connection.ok()) {
      return Error(connection.error().kind(),
                   without_password(connection.error().message(), locator));
    }
    return connection;
  }
  return sql::open_sqlite(locator);
}

constexpr int k_write_attempts = 10;

}  // namespace

Result<std::unique_ptr<SqlStore>> SqlStore::open(const std::string& locator) {
  MLOPS_TRY(connection, connect(locator));
  if ((*connection)->dialect() == sql::Dialect::Sqlite) {
    MLOPS_TRY(migrated, migrate_store(**connection, store_migrations()));
  } else {
    MLOPS_CHECK(check_store_version(**connection, store_migrations()));
  }
  return std::unique_ptr<SqlStore>(new SqlStore(std::move(*connection)));
}

Result<std::pair<int, int>> SqlStore::migrate(const std::string& locator) {
  MLOPS_TRY(connection, connect(locator));
  MLOPS_TRY(before, migrate_store(**connection, store_migrations()));
  MLOPS_TRY(after, store_schema_version(**connection));
  return std::pair<int, int>(*before, *after);
}

bool SqlStore::retry_after(int attempt) {
  if (attempt >= k_write_attempts || !m_db->recover_transient()) {
    return false;
  }
  // Spread the retries of processes that failed together: a few ms, growing, with jitter.
  auto jitter = std::chrono::microseconds(std::rand() % 2000);
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * attempt) + jitter);
  return true;
}

Status SqlStore::begin_run(const RunRecord& run, const std::vector<TriggerAdvance>& advances) {
  return in_write([&]() -> Status { return write_run(run, advances); });
}

Status SqlStore::write_run(const RunRecord& run, const std::vector<TriggerAdvance>& advances) {
  MLOPS_TRY(pipeline, m_db->prepare("INSERT INTO pipelines (name, created_at) VALUES (?1, ?2) "
                                    "ON CONFLICT (name) DO NOTHING"));
  MLOPS_CHECK(pipeline->bind(1, run.pipeline).bind(2, run.started_at).run());
  MLOPS_TRY(insert,
            m_db->prepare(
                "INSERT INTO runs (id, pipeline_id, pipeline_file, pipeline_hash, status, "
                "cause, cause_detail, params_json, git_commit, git_branch, git_dirty, "
                "host, \"user\", mlops_version, owner_pid, started_at, owner_start_ticks, boot_id, "
                "heartbeat_at, name, note) SELECT ?1, id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                "?11, ?12, ?13, ?14, ?15, ?17, ?18, ?15, ?19, ?20 FROM pipelines WHERE name = "
                "?16"));
  insert->bind(1, run.id)
      .bind(2, run.pipeline_file)
      .bind(3, run.pipeline_hash)
      .bind(4, run.status)
      .bind(5, run.cause)
      .bind_optional(6, run.cause_detail)
      .bind(7, run.params_json)
      .bind_optional(8, run.git_commit)
      .bind_optional(9, run.git_branch)
      .bind_optional(10,
                     run.git_dirty ? std::optional<int64_t>(*run.git_dirty ? 1 : 0) : std::nullopt)
      .bind(11, run.host)
      .bind(12, run.user)
      .bind(13, run.mlops_version)
      .bind(14, run.owner_pid)
      .bind(15, run.started_at)
      .bind(16, run.pipeline)
      .bind_optional(17, run.owner_start_ticks)
      .bind_optional(18, run.boot_id)
      .bind_optional(19, run.name)
      .bind_optional(20, run.note);
  MLOPS_CHECK(insert->run());
  MLOPS_CHECK(write_run_tags(run.id, run.tags, {}));
  return write_advances(advances, run.started_at, run.id);
}

Status SqlStore::finish_run(const std::string& run_id, const std::string& status,
                            const std::string& ended_at) {
  MLOPS_TRY(update, m_db->prepare("UPDATE runs SET status = ?1, ended_at = ?2 WHERE id = ?3"));
  // A single statement is its own transaction.
  return update->bind(1, status).bind(2, ended_at).bind(3, run_id).run();
}

Result<int64_t> SqlStore::insert_execution(const ExecutionRecord& execution,
                                           std::optional<int64_t> reserved) {
  constexpr const char* k_columns =
      "INSERT INTO executions (run_id, stage, attempt, status, command, started_at, log_path, "
      "fingerprint, cached, pid, pid_start_ticks, exit_code, signal, message, ended_at";
  constexpr const char* k_values =
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15";
  static const std::string k_with_id = fmt::format("{}, id) {}, ?16)", k_columns, k_values);
  static const std::string k_returning_id =
      fmt::format("{}) {}) RETURNING id", k_columns, k_values);
  MLOPS_STATEMENT(insert, reserved ? k_with_id : k_returning_id);
  insert.bind(1, execution.run_id)
      .bind(2, execution.stage)
      .bind(3, static_cast<int64_t>(execution.attempt))
      .bind(4, execution.status)
      .bind(5, execution.command)
      .bind(6, execution.started_at)
      .bind_optional(7, execution.log_path)
      .bind_optional(8, execution.fingerprint)
      .bind(9, static_cast<int64_t>(execution.cached ? 1 : 0))
      .bind_optional(10, execution.pid)
      .bind_optional(11, execution.pid_start_ticks)
      .bind_optional(12, execution.exit_code)
      .bind_optional(13, execution.signal)
      .bind_optional(14, execution.message)
      .bind_optional(15, execution.ended_at);
  if (reserved) {
    MLOPS_CHECK(insert.bind(16, *reserved).run_deferred());
    return *reserved;
  }
  MLOPS_TRY(inserted, insert.step());
  int64_t id = insert.column_int(0);
  insert.reset();  // finish the RETURNING statement before the next one
  return id;
}

// PostgreSQL: `count` execution ids taken from the table's sequence in one round trip, in
// increasing order, so that the batch's inserts need no answer and travel in one pipeline with
// the commit. Nothing on SQLite (its inserts are local: RETURNING costs nothing there).
Result<std::vector<int64_t>> SqlStore::reserve_execution_ids(size_t count) {
  std::vector<int64_t> ids;
  if (count == 0 || m_db->dialect() != sql::Dialect::Postgres) {
    return ids;
  }
  MLOPS_STATEMENT(reserve,
                  "SELECT nextval(pg_get_serial_sequence('executions', 'id')) FROM "
                  "generate_series(1, ?1)");
  reserve.bind(1, static_cast<int64_t>(count));
  while (true) {
    MLOPS_TRY(row, reserve.step());
    if (!*row) {
      break;
    }
    ids.push_back(reserve.column_int(0));
  }
  reserve.reset();
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status SqlStore::write_outcome(const ExecutionOutcome& outcome) {
  const ExecutionRecord& execution = outcome.execution;
  MLOPS_STATEMENT(update,
                  "UPDATE executions SET status = ?1, exit_code = ?2, signal = ?3, "
                  "message = ?4, ended_at = ?5 WHERE id = ?6");
  MLOPS_CHECK(update.bind(1, execution.status)
                  .bind_optional(2, execution.exit_code)
                  .bind_optional(3, execution.signal)
                  .bind_optional(4, execution.message)
                  .bind_optional(5, execution.ended_at)
                  .bind(6, execution.id)
                  .run_deferred());
  return write_links(outcome);
}

Result<int64_t> SqlStore::artifact_id(const ArtifactVersion& version,
                                      std::optional<int64_t> producer,
                                      const std::string& created_at) {
  // A version read, or reused by a cached execution, changes nothing in its row when the row
  // exists: look it up instead of writing it (a no-op run writes no artifact rows).
  if (!producer) {
    MLOPS_STATEMENT(find, "SELECT id FROM artifacts WHERE path = ?1 AND digest = ?2");
    find.bind(1, version.path).bind(2, version.digest);
    MLOPS_TRY(found, find.step());
    if (*found) {
      int64_t id = find.column_int(0);
      find.reset();
      return id;
    }
  }
  // One row per (path, digest). An output sets the producer (the first execution that ran and
  // wrote it; a cached execution reuses a version, it never produces one) and the kind.
  MLOPS_STATEMENT(artifact,
                  "INSERT INTO artifacts (path, kind, digest, size, produced_by, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (path, digest) DO UPDATE SET "
                  "produced_by = COALESCE(artifacts.produced_by, excluded.produced_by), "
                  "kind = CASE WHEN excluded.produced_by IS NULL THEN artifacts.kind "
                  "ELSE excluded.kind END RETURNING id");
  artifact.bind(1, version.path)
      .bind(2, version.kind)
      .bind(3, version.digest)
      .bind(4, version.size)
      .bind_optional(5, producer)
      .bind(6, created_at);
  MLOPS_TRY(row, artifact.step());
  int64_t id = artifact.column_int(0);
  artifact.reset();  // finish the RETURNING statement before the next one
  return id;
}

// PostgreSQL: artifact_id() and the event in one statement, one round trip instead of two (a
// server is further away than a file). The row is written only when it is new or its producer or
// kind changes, as artifact_id() writes it; otherwise the existing row's id is used.
Status SqlStore::link_version(const ArtifactVersion& version, std::optional<int64_t> producer,
                              const std::string& created_at, int64_t execution_id,
                              const char* direction) {
  MLOPS_STATEMENT(link,
                  "WITH up AS (INSERT INTO artifacts (path, kind, digest, size, produced_by, "
                  "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (path, digest) DO "
                  "UPDATE SET produced_by = COALESCE(artifacts.produced_by, "
                  "excluded.produced_by), kind = excluded.kind WHERE excluded.produced_by IS "
                  "NOT NULL AND (artifacts.produced_by IS NULL OR artifacts.kind <> "
                  "excluded.kind) RETURNING id), found AS (SELECT id FROM up UNION ALL SELECT id "
                  "FROM artifacts WHERE path = ?1 AND digest = ?3 AND NOT EXISTS (SELECT 1 FROM "
                  "up)) INSERT INTO events (execution_id, artifact_id, direction) SELECT ?7, id, "
                  "?8 FROM found ON CONFLICT DO NOTHING");
  return link.bind(1, version.path)
      .bind(2, version.kind)
      .bind(3, version.digest)
      .bind(4, version.size)
      .bind_optional(5, producer)
      .bind(6, created_at)
      .bind(7, execution_id)
      .bind(8, std::string_view(direction))
      .run_deferred();
}

Status SqlStore::write_links(const ExecutionOutcome& outcome) {
  const ExecutionRecord& execution = outcome.execution;
  MLOPS_STATEMENT(event,
                  "INSERT INTO events (execution_id, artifact_id, direction) "
                  "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  std::string created_at = execution.ended_at.value_or(execution.started_at);
  auto record = [&](const ArtifactVersion& version, const char* direction) -> Status {
    bool output = std::string_view(direction) == "output";
    // A feature-group commit is made by the execution that ingested it, even one whose stage
    // was up to date or restored (its file was committed then); a later one reusing it changes
    // nothing (the first producer stays).
    bool produces = output && (!execution.cached || version.kind == "feature_group_commit");
    std::optional<int64_t> producer = produces ? std::optional(execution.id) : std::nullopt;
    if (m_db->dialect() == sql::Dialect::Postgres) {
      return link_version(version, producer, created_at, execution.id, direction);
    }
    MLOPS_TRY(id, artifact_id(version, producer, created_at));
    event.reset();
    return event.bind(1, execution.id).bind(2, *id).bind(3, direction).run();
  };
  for (const auto& input : outcome.inputs) {
    MLOPS_CHECK(record(input, "input"));
  }
  for (const auto& output : outcome.outputs) {
    MLOPS_CHECK(record(output, "output"));
  }
  MLOPS_STATEMENT(metric,
                  "INSERT INTO metrics (execution_id, key, value) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (execution_id, key) DO UPDATE SET value = excluded.value");
  for (const auto& value : outcome.metrics) {
    metric.reset();
    MLOPS_CHECK(
        metric.bind(1, execution.id).bind(2, value.key).bind(3, value.value).run_deferred());
  }
  return Status::success();
}

Result<int64_t> SqlStore::begin_execution(const ExecutionRecord& execution) {
  return insert_execution(execution);  // one statement: its own transaction
}

Status SqlStore::finish_execution(const ExecutionOutcome& outcome) {
  return in_write([&] { return write_outcome(outcome); });
}

Result<std::vector<int64_t>> SqlStore::record_batch(const std::vector<ExecutionWrite>& items) {
  return in_write([&] { return write_batch(items); });
}

Result<std::vector<int64_t>> SqlStore::write_batch(const std::vector<ExecutionWrite>& items) {
  size_t starts = std::count_if(items.begin(), items.end(),
                                [](const ExecutionWrite& item) { return item.start.has_value(); });
  MLOPS_TRY(reserved, reserve_execution_ids(starts));
  auto next_id = [&, used = size_t(0)]() mutable -> std::optional<int64_t> {
    return used < reserved->size() ? std::optional((*reserved)[used++]) : std::nullopt;
  };
  std::vector<int64_t> ids;
  for (const auto& item : items) {
    int64_t id = item.end ? item.end->execution.id : 0;
    if (item.start && item.end) {
      // Started and ended within the batch (a cached stage, a short one): one insert of the
      // whole row, not an insert and an update.
      // The row is the start's; the end brings only what an end changes (as an update would).
      ExecutionOutcome whole = *item.end;
      const ExecutionRecord& ended = item.end->execution;
      whole.execution = *item.start;
      whole.execution.status = ended.status;
      whole.execution.exit_code = ended.exit_code;
      whole.execution.signal = ended.signal;
      whole.execution.message = ended.message;
      whole.execution.ended_at = ended.ended_at;
      MLOPS_TRY(inserted, insert_execution(whole.execution, next_id()));
      id = whole.execution.id = *inserted;
      MLOPS_CHECK(write_links(whole));
    } else if (item.start) {
      MLOPS_TRY(inserted, insert_execution(*item.start, next_id()));
      id = *inserted;
    } else if (item.end) {
      MLOPS_CHECK(write_outcome(*item.end));
    }
    ids.push_back(id);
  }
  return ids;
}

Status SqlStore::remember_file_stats(const std::vector<FileStat>& stats) {
  if (stats.empty()) {
    return Status::success();
  }
  return in_write([&]() -> Status {
    MLOPS_STATEMENT(
        upsert,
        "INSERT INTO file_stats (path, device, inode, size, mtime_ns, ctime_ns, digest) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (path) DO UPDATE SET "
        "device = excluded.device, inode = excluded.inode, size = excluded.size, "
        "mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, "
        "digest = excluded.digest");
    for (const auto& stat : stats) {
      upsert.reset();
      MLOPS_CHECK(upsert.bind(1, stat.path)
                      .bind(2, stat.device)
                      .bind(3, stat.inode)
                      .bind(4, stat.size)
                      .bind(5, stat.mtime_ns)
                      .bind(6, stat.ctime_ns)
                      .bind(7, stat.digest)
                      .run_deferred());
    }
    return Status::success();
  });
}

Result<bool> SqlStore::mark_interrupted(const std::string& run_id, const std::string& ended_at) {
  return in_write([&]() -> Result<bool> { return write_interrupted(run_id, ended_at); });
}

Result<bool> SqlStore::write_interrupted(const std::string& run_id, const std::string& ended_at) {
  // The run first: if it ended since the caller looked (its mlops finished and let go of its
  // lock), nothing changes and nothing is reported.
  MLOPS_TRY(run, m_db->prepare("UPDATE runs SET status = 'interrupted', ended_at = ?1 "
                               "WHERE id = ?2 AND status = 'running'"));
  MLOPS_CHECK(run->bind(1, ended_at).bind(2, run_id).run());
  if (m_db->changes() == 0) {
    return false;
  }
  MLOPS_TRY(executions, m_db->prepare("UPDATE executions SET status = 'interrupted', ended_at = ?1 "
                                      "WHERE run_id = ?2 AND status = 'running'"));
  MLOPS_CHECK(executions->bind(1, ended_at).bind(2, run_id).run());
  return true;
}

Status SqlStore::heartbeat(const std::string& run_id, const std::string& at) {
  MLOPS_STATEMENT(update, "UPDATE runs SET heartbeat_at = ?1 WHERE id = ?2 AND status = 'running'");
  return update.bind(1, at).bind(2, run_id).run();  // one statement: its own transaction
}

// Pipeline locks are session advisory locks in their own key space (the store's write lock and
// the migration lock are (1296846672, 0) and (1296846672, 1)): (1296846673, hashtext(name)).
Result<bool> SqlStore::try_lock_pipeline(const std::string& pipeline) {
  if (m_db->dialect() != sql::Dialect::Postgres) {
    return true;
  }
  MLOPS_TRY(lock, m_db->prepare("SELECT pg_try_advisory_lock(1296846673, hashtext(?1))"));
  lock->bind(1, pipeline);
  MLOPS_TRY(row, lock->step());
  return *row && lock->column_int(0) != 0;
}

void SqlStore::unlock_pipeline(const std::string& pipeline) {
  if (m_db->dialect() != sql::Dialect::Postgres) {
    return;
  }
  if (auto unlock = m_db->prepare("SELECT pg_advisory_unlock(1296846673, hashtext(?1))");
      unlock.ok()) {
    (void)unlock->bind(1, pipeline).run();
  }
}

}  // namespace mlops
