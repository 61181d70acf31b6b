// SqlStore: the reads behind `mlops runs`, `show`, `artifacts`, `lineage` and `metrics`.
#include "store/sql_rows.hpp"
#include "store/sql_store.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

namespace mlops {
namespace {

using sql::optional_int;
using sql::optional_text;

constexpr const char* k_run_columns =
    "r.id, p.name, r.pipeline_file, r.pipeline_hash, r.status, r.cause, r.cause_detail, "
    "r.params_json, r.git_commit, r.git_branch, r.git_dirty, r.host, r.\"user\", "
    "r.mlops_version, r.owner_pid, r.started_at, r.ended_at, r.owner_start_ticks, r.boot_id, "
    "r.heartbeat_at, r.name, r.note "
    "FROM runs r JOIN pipelines p ON p.id = r.pipeline_id";

RunRecord read_run(const sql::Statement& row) {
  RunRecord run;
  run.id = row.column_text(0);
  run.pipeline = row.column_text(1);
  run.pipeline_file = row.column_text(2);
  run.pipeline_hash = row.column_text(3);
  run.status = row.column_text(4);
  run.cause = row.column_text(5);
  run.cause_detail = optional_text(row, 6);
  run.params_json = row.column_text(7);
  run.git_commit = optional_text(row, 8);
  run.git_branch = optional_text(row, 9);
  if (auto dirty = optional_int(row, 10)) {
    run.git_dirty = *dirty != 0;
  }
  run.host = row.column_text(11);
  run.user = row.column_text(12);
  run.mlops_version = row.column_text(13);
  run.owner_pid = row.column_int(14);
  run.started_at = row.column_text(15);
  run.ended_at = optional_text(row, 16);
  run.owner_start_ticks = optional_int(row, 17);
  run.boot_id = optional_text(row, 18);
  run.heartbeat_at = optional_text(row, 19);
  run.name = optional_text(row, 20);
  run.note = optional_text(row, 21);
  return run;
}

constexpr const char* k_execution_columns =
    "x.id, x.run_id, x.stage, x.attempt, x.status, x.command, x.exit_code, x.signal, x.message, "
    "x.started_at, x.ended_at, x.log_path, x.fingerprint, x.cached, x.pid, "
    "x.pid_start_ticks FROM executions x";

ExecutionRecord read_execution(const sql::Statement& row) {
  ExecutionRecord execution;
  execution.id = row.column_int(0);
  execution.run_id = row.column_text(1);
  execution.stage = row.column_text(2);
  execution.attempt = static_cast<int>(row.column_int(3));
  execution.status = row.column_text(4);
  execution.command = row.column_text(5);
  execution.exit_code = optional_int(row, 6);
  execution.signal = optional_int(row, 7);
  execution.message = optional_text(row, 8);
  execution.started_at = row.column_text(9);
  execution.ended_at = optional_text(row, 10);
  execution.log_path = optional_text(row, 11);
  execution.fingerprint = optional_text(row, 12);
  execution.cached = row.column_int(13) != 0;
  execution.pid = optional_int(row, 14);
  execution.pid_start_ticks = optional_int(row, 15);
  return execution;
}

// An artifact with the execution that produced it (produced_by: the first that ran and wrote
// these bytes, never one that took them from the cache), and the runs that reused it from the
// cache (comma-separated).
std::string artifact_columns(sql::Dialect dialect) {
  // group_concat is SQLite's name; PostgreSQL's string_agg takes the separator.
  const char* reused = dialect == sql::Dialect::Postgres ? "string_agg(DISTINCT c.run_id, ',')"
                                                         : "group_concat(DISTINCT c.run_id)";
  return std::string(
             "a.id, a.path, a.kind, a.digest, a.size, a.created_at, w.id, w.run_id, "
             "w.stage, (SELECT ") +
         reused +
         " FROM events o JOIN executions c ON c.id = o.execution_id WHERE o.artifact_id = a.id "
         "AND o.direction = 'output' AND c.cached = 1) FROM artifacts a LEFT JOIN executions w "
         "ON w.id = a.produced_by";
}

ArtifactRecord read_artifact(const sql::Statement& row, int first) {
  ArtifactRecord artifact;
  artifact.id = row.column_int(first);
  artifact.path = row.column_text(first + 1);
  artifact.kind = row.column_text(first + 2);
  artifact.digest = row.column_text(first + 3);
  artifact.size = row.column_int(first + 4);
  artifact.created_at = row.column_text(first + 5);
  artifact.producer = optional_int(row, first + 6);
  artifact.producer_run = optional_text(row, first + 7);
  artifact.producer_stage = optional_text(row, first + 8);
  if (auto reused = optional_text(row, first + 9)) {
    for (size_t start = 0; start <= reused->size();) {
      size_t comma = std::min(reused->find(',', start), reused->size());
      artifact.reused_in.push_back(reused->substr(start, comma - start));
      start = comma + 1;
    }
    std::sort(artifact.reused_in.begin(), artifact.reused_in.end());
  }
  return artifact;
}

using sql::collect;

template <typename T>
Result<std::optional<T>> first_of(Result<std::vector<T>> rows) {
  if (!rows.ok()) {
    return rows.error();
  }
  return rows->empty() ? std::optional<T>() : std::optional<T>(std::move(rows->front()));
}

}  // namespace

Result<std::optional<FileStat>> SqlStore::find_file_stat(const std::string& path) {
  MLOPS_TRY(cached, m_db->cached("SELECT path, device, inode, size, mtime_ns, ctime_ns, digest "
                                 "FROM file_stats WHERE path = ?1"));
  sql::Statement& query = **cached;
  query.bind(1, path);
  MLOPS_TRY(row, query.step());
  if (!*row) {
    return std::optional<FileStat>();
  }
  FileStat stat{query.column_text(0), query.column_int(1), query.column_int(2), query.column_int(3),
                query.column_int(4),  query.column_int(5), query.column_text(6)};
  query.reset();
  return std::optional<FileStat>(std::move(stat));
}

Result<std::optional<CachedExecution>> SqlStore::find_cached_execution(
    const std::string& pipeline, const std::string& stage, const std::string& fingerprint) {
  MLOPS_TRY(cached,
            m_db->cached("SELECT x.id, x.run_id FROM executions x JOIN runs r ON r.id = x.run_id "
                         "JOIN pipelines p ON p.id = r.pipeline_id WHERE x.fingerprint = ?1 AND "
                         "x.stage = ?2 AND p.name = ?3 AND x.status = 'succeeded' "
                         "ORDER BY x.id DESC LIMIT 1"));
  sql::Statement& query = **cached;
  query.bind(1, fingerprint).bind(2, stage).bind(3, pipeline);
  MLOPS_TRY(row, query.step());
  if (!*row) {
    return std::optional<CachedExecution>();
  }
  CachedExecution found{query.column_int(0), query.column_text(1), {}};
  query.reset();
  MLOPS_TRY(outputs,
            m_db->cached(
                "SELECT a.path, a.kind, a.digest, a.size FROM events e JOIN "
                "artifacts a ON a.id = e.artifact_id WHERE e.execution_id = ?1 "
                "AND e.direction = 'output' AND a.kind != 'feature_group_commit' ORDER BY a.path"));
  sql::Statement& list = **outputs;
  list.bind(1, found.execution_id);
  while (true) {
    MLOPS_TRY(next, list.step());
    if (!*next) {
      break;
    }
    found.outputs.push_back(
        {list.column_text(0), list.column_text(1), list.column_text(2), list.column_int(3)});
  }
  list.reset();
  return std::optional<CachedExecution>(std::move(found));
}

Result<std::optional<RunRecord>> SqlStore::find_run(const std::string& run_id) {
  MLOPS_TRY(query, m_db->cached(std::string("SELECT ") + k_run_columns + " WHERE r.id = ?1"));
  (*query)->bind(1, run_id);
  MLOPS_TRY(runs, collect<RunRecord>(**query, read_run));
  MLOPS_CHECK(read_tags(*runs));
  return first_of(std::move(runs));
}

Result<std::vector<RunRecord>> SqlStore::list_runs(const RunFilter& filter) {
  // One statement for each combination of filters, so that SQLite answers each from an index
  // (runs_by_start, runs_by_status, runs_by_pipeline) and reads only the rows it returns: a
  // condition such as `?1 IS NULL OR p.name = ?1` would make it read and sort every run.
  std::string sql = std::string("SELECT ") + k_run_columns;
  if (filter.pipeline) {
    sql += filter.status ? " WHERE p.name = ?1 AND r.status = ?2" : " WHERE p.name = ?1";
  } else if (filter.status) {
    sql += " WHERE r.status = ?2";
  }
  sql += " ORDER BY r.started_at DESC, r.id DESC LIMIT ?3";
  MLOPS_TRY(query, m_db->cached(sql));
  if (filter.pipeline) {
    (*query)->bind(1, *filter.pipeline);
  }
  if (filter.status) {
    (*query)->bind(2, *filter.status);
  }
  (*query)->bind(3, static_cast<int64_t>(filter.limit));
  MLOPS_TRY(runs, collect<RunRecord>(**query, read_run));
  MLOPS_CHECK(read_tags(*runs));
  return runs;
}

Result<std::vector<std::string>> SqlStore::run_ids(const std::string& prefix, int limit) {
  // The ids from `prefix` up to `prefix` followed by the highest ASCII byte: a range of the
  // primary key's index (ids are ASCII; byte order on both engines: the PostgreSQL columns are
  // COLLATE "C"), where comparing a substring would read every run.
  MLOPS_TRY(query, m_db->prepare("SELECT id FROM runs WHERE id >= ?1 AND id < ?2 "
                                 "ORDER BY started_at DESC, id DESC LIMIT ?3"));
  query->bind(1, prefix).bind(2, prefix + "\x7f").bind(3, static_cast<int64_t>(limit));
  return collect<std::string>(*query, [](const sql::Statement& row) { return row.column_text(0); });
}

Result<std::vector<ExecutionRecord>> SqlStore::executions_of(const std::string& run_id) {
  MLOPS_TRY(query, m_db->prepare(std::string("SELECT ") + k_execution_columns +
                                 " WHERE x.run_id = ?1 ORDER BY x.id"));
  query->bind(1, run_id);
  return collect<ExecutionRecord>(*query, read_execution);
}

Result<std::set<std::string>> SqlStore::producing_runs() {
  MLOPS_TRY(query, m_db->prepare("SELECT DISTINCT run_id FROM executions WHERE cached = 0 AND "
                                 "status = 'succeeded'"));
  MLOPS_TRY(ids, collect<std::string>(
                     *query, [](const sql::Statement& row) { return row.column_text(0); }));
  return std::set<std::string>(ids->begin(), ids->end());
}

namespace {

ArtifactVersion read_version(const sql::Statement& row) {
  return {row.column_text(0), row.column_text(1), row.column_text(2), row.column_int(3)};
}

// `columns` of the row with the greatest `key` in each `group`, then that key, by group: SQLite
// takes the bare columns from the row holding the MAX of a GROUP BY; PostgreSQL says DISTINCT ON.
std::string newest_per_group(sql::Dialect dialect, const std::string& columns,
                             const std::string& key, const std::string& group,
                             const std::string& from_where) {
  if (dialect == sql::Dialect::Postgres) {
    return fmt::format("SELECT DISTINCT ON ({2}) {0}, {1} {3} ORDER BY {2}, {1} DESC", columns, key,
                       group, from_where);
  }
  return fmt::format("SELECT {0}, MAX({1}) {3} GROUP BY {2} ORDER BY {2}", columns, key, group,
                     from_where);
}

}  // namespace

Result<std::vector<ArtifactVersion>> SqlStore::outputs_of_run(const std::string& run_id) {
  MLOPS_TRY(query, m_db->prepare(newest_per_group(
                       m_db->dialect(), "a.path, a.kind, a.digest, a.size", "x.id", "a.path",
                       "FROM events e JOIN executions x ON x.id = e.execution_id JOIN "
                       "artifacts a ON a.id = e.artifact_id WHERE x.run_id = ?1 AND "
                       "e.direction = 'output' AND x.status = 'succeeded' AND a.kind != "
                       "'feature_group_commit'")));
  query->bind(1, run_id);
  return collect<ArtifactVersion>(*query, read_version);
}

Result<std::vector<ArtifactVersion>> SqlStore::outputs_as_of(const std::string& time) {
  MLOPS_TRY(query, m_db->prepare(newest_per_group(
                       m_db->dialect(), "a.path, a.kind, a.digest, a.size", "x.ended_at", "a.path",
                       "FROM events e JOIN executions x ON x.id = e.execution_id JOIN "
                       "artifacts a ON a.id = e.artifact_id WHERE e.direction = 'output' "
                       "AND x.status = 'succeeded' AND x.ended_at <= ?1 AND a.kind != "
                       "'feature_group_commit'")));
  query->bind(1, time);
  return collect<ArtifactVersion>(*query, read_version);
}

Result<std::optional<ExecutionRecord>> SqlStore::find_latest_success(const std::string& pipeline,
                                                                     const std::string& stage) {
  MLOPS_TRY(query, m_db->prepare(std::string("SELECT ") + k_execution_columns +
                                 " JOIN runs r ON r.id = x.run_id JOIN pipelines p ON "
                                 "p.id = r.pipeline_id WHERE p.name = ?1 AND x.stage = ?2 AND "
                                 "x.status = 'succeeded' ORDER BY x.id DESC LIMIT 1"));
  query->bind(1, pipeline).bind(2, stage);
  return first_of(collect<ExecutionRecord>(*query, read_execution));
}

Result<std::optional<ExecutionRecord>> SqlStore::find_execution(int64_t id) {
  MLOPS_TRY(query, m_db->cached(std::string("SELECT ") + k_execution_columns + " WHERE x.id = ?1"));
  (*query)->bind(1, id);
  return first_of(collect<ExecutionRecord>(**query, read_execution));
}

namespace {

constexpr const char* k_event_prefix = "SELECT e.execution_id, x.stage, e.direction, ";

EventRecord read_event(const sql::Statement& row) {
  EventRecord event;
  event.execution_id = row.column_int(0);
  event.stage = row.column_text(1);
  event.direction = row.column_text(2);
  event.artifact = read_artifact(row, 3);
  return event;
}

std::string event_query(sql::Dialect dialect, const char* where) {
  return std::string(k_event_prefix) + artifact_columns(dialect) +
         " JOIN events e ON e.artifact_id = a.id JOIN executions x ON x.id = e.execution_id "
         "WHERE " +
         where + " ORDER BY e.execution_id, e.direction, a.path";
}

}  // namespace

Result<std::vector<EventRecord>> SqlStore::events_of_run(const std::string& run_id) {
  MLOPS_TRY(query, m_db->prepare(event_query(m_db->dialect(), "x.run_id = ?1")));
  query->bind(1, run_id);
  return collect<EventRecord>(*query, read_event);
}

// The lineage walk asks these once for each execution and artifact it meets: their statements
// are prepared once (Connection::cached).
Result<std::vector<EventRecord>> SqlStore::events_of_execution(int64_t execution_id) {
  MLOPS_TRY(query, m_db->cached(event_query(m_db->dialect(), "e.execution_id = ?1")));
  (*query)->bind(1, execution_id);
  return collect<EventRecord>(**query, read_event);
}

Result<std::vector<ExecutionRecord>> SqlStore::executions_using(int64_t artifact_id,
                                                                const std::string& direction) {
  MLOPS_TRY(query, m_db->cached(std::string("SELECT ") + k_execution_columns +
                                " JOIN events e ON e.execution_id = x.id WHERE e.artifact_id = ?1 "
                                "AND e.direction = ?2 ORDER BY x.id DESC"));
  (*query)->bind(1, artifact_id).bind(2, direction);
  return collect<ExecutionRecord>(**query, read_execution);
}

Result<std::optional<ArtifactRecord>> SqlStore::find_artifact(int64_t id) {
  MLOPS_TRY(query, m_db->cached(std::string("SELECT ") + artifact_columns(m_db->dialect()) +
                                " WHERE a.id = ?1"));
  (*query)->bind(1, id);
  return first_of(collect<ArtifactRecord>(
      **query, [](const sql::Statement& row) { return read_artifact(row, 0); }));
}

Result<std::optional<ArtifactRecord>> SqlStore::newest_artifact(const std::string& path) {
  // artifact_history's first row, without reading every version of a path made thousands of
  // times (a model retrained at every run): the version made last is usually the one in use, so
  // the executions since its last use, newest first, are searched for a use of any version of
  // `path` (those executions' events, in the order of their primary key). Only when that search
  // would be long (a version made long ago is used again: a revert) are all versions' last uses
  // compared, which reads an index page for each version.
  constexpr int64_t k_window = 10'000;  // executions searched newest first
  MLOPS_TRY(made_last, m_db->cached("SELECT a.id, (SELECT MAX(e.execution_id) FROM events e "
                                    "WHERE e.artifact_id = a.id) FROM artifacts a WHERE a.path = "
                                    "?1 ORDER BY a.created_at DESC, a.id DESC LIMIT 1"));
  (*made_last)->bind(1, path);
  MLOPS_TRY(row, (*made_last)->step());
  if (!*row) {
    return std::optional<ArtifactRecord>();
  }
  int64_t last_use = (*made_last)->column_int(1);
  (*made_last)->reset();
  MLOPS_TRY(newest, m_db->cached("SELECT MAX(id) FROM executions"));
  MLOPS_TRY(has_newest, (*newest)->step());
  int64_t from = std::max(last_use, (*has_newest ? (*newest)->column_int(0) : 0) - k_window);
  (*newest)->reset();
  // SQLite's CROSS JOIN keeps this order: events newest first, then their artifact (PostgreSQL
  // has no CROSS JOIN ... ON, and plans the join by its statistics).
  MLOPS_TRY(search, m_db->cached(fmt::format(
                        "SELECT e.artifact_id FROM events e {} artifacts a ON a.id = "
                        "e.artifact_id WHERE e.execution_id >= ?2 AND a.path = ?1 ORDER BY "
                        "e.execution_id DESC, e.artifact_id DESC LIMIT 1",
                        m_db->dialect() == sql::Dialect::Postgres ? "JOIN" : "CROSS JOIN")));
  (*search)->bind(1, path).bind(2, from);
  MLOPS_TRY(found, (*search)->step());
  std::optional<int64_t> id;
  if (*found) {
    id = (*search)->column_int(0);
  }
  (*search)->reset();
  if (id) {
    return find_artifact(*id);
  }
  MLOPS_TRY(query, m_db->cached(std::string("SELECT ") + artifact_columns(m_db->dialect()) +
                                " WHERE a.id = (SELECT b.id FROM artifacts b WHERE b.path = ?1 "
                                "ORDER BY (SELECT MAX(u.execution_id) FROM events u WHERE "
                                "u.artifact_id = b.id) DESC, b.id DESC LIMIT 1)"));
  (*query)->bind(1, path);
  return first_of(collect<ArtifactRecord>(
      **query, [](const sql::Statement& row) { return read_artifact(row, 0); }));
}

Result<std::vector<ArtifactRecord>> SqlStore::artifact_history(const std::string& path) {
  // Newest use first: a version written again later (a revert) moves back to the top.
  MLOPS_TRY(query, m_db->prepare(std::string("SELECT ") + artifact_columns(m_db->dialect()) +
                                 " WHERE a.path = ?1 ORDER BY (SELECT MAX(u.execution_id) FROM "
                                 "events u WHERE u.artifact_id = a.id) DESC, a.id DESC"));
  query->bind(1, path);
  return collect<ArtifactRecord>(*query,
                                 [](const sql::Statement& row) { return read_artifact(row, 0); });
}

Result<std::vector<ArtifactRecord>> SqlStore::latest_artifacts(const std::string& prefix) {
  // For each path, the version used by the newest execution.
  std::string newest = newest_per_group(
      m_db->dialect(), "b.path, u.artifact_id", "u.execution_id", "b.path",
      "FROM events u JOIN artifacts b ON b.id = u.artifact_id WHERE ?1 = '' OR ?1 = '.' OR "
      "b.path = ?1 OR substr(b.path, 1, length(?1) + 1) = ?1 || '/'");
  MLOPS_TRY(query, m_db->prepare(std::string("SELECT ") + artifact_columns(m_db->dialect()) +
                                 " WHERE a.id IN (SELECT artifact_id FROM (" + newest +
                                 ") newest) ORDER BY a.path"));
  query->bind(1, prefix);
  return collect<ArtifactRecord>(*query,
                                 [](const sql::Statement& row) { return read_artifact(row, 0); });
}

namespace {

MetricRecord read_metric(const sql::Statement& row) {
  return {row.column_text(0),   row.column_text(1), row.column_text(2),
          row.column_double(3), row.column_int(4),  {}};
}

}  // namespace

Result<std::vector<MetricRecord>> SqlStore::metrics_of_run(const std::string& run_id) {
  MLOPS_TRY(query,
            m_db->prepare("SELECT x.run_id, x.stage, m.key, m.value, x.id FROM metrics m JOIN "
                          "executions x ON x.id = m.execution_id WHERE x.run_id = ?1 "
                          "ORDER BY x.stage, m.key"));
  query->bind(1, run_id);
  return collect<MetricRecord>(*query, read_metric);
}

Result<std::vector<std::string>> SqlStore::metric_pipelines(const std::string& key) {
  MLOPS_TRY(query, m_db->prepare("SELECT DISTINCT p.name FROM metrics m "
                                 "JOIN executions x ON x.id = m.execution_id "
                                 "JOIN runs r ON r.id = x.run_id "
                                 "JOIN pipelines p ON p.id = r.pipeline_id "
                                 "WHERE m.key = ?1 ORDER BY p.name"));
  query->bind(1, key);
  std::vector<std::string> names;
  while (true) {
    MLOPS_TRY(row, query->step());
    if (!*row)
      break;
    names.push_back(query->column_text(0));
  }
  return names;
}

Result<std::vector<MetricRecord>> SqlStore::metric_history(const std::string& key,
                                                           const std::string& pipeline) {
  // The values executions produced (ran, not cached), and whether their run succeeded.
  MLOPS_TRY(query, m_db->prepare("SELECT x.run_id, x.stage, m.key, m.value, x.id, "
                                 "r.status = 'succeeded' FROM metrics m "
                                 "JOIN executions x ON x.id = m.execution_id "
                                 "JOIN runs r ON r.id = x.run_id "
                                 "JOIN pipelines p ON p.id = r.pipeline_id "
                                 "WHERE m.key = ?1 AND p.name = ?2 AND x.cached = 0 AND "
                                 "x.status = 'succeeded' ORDER BY r.started_at, x.id"));
  query->bind(1, key).bind(2, pipeline);
  std::vector<std::pair<MetricRecord, bool>> produced;
  while (true) {
    MLOPS_TRY(row, query->step());
    if (!*row) {
      break;
    }
    produced.emplace_back(read_metric(*query), query->column_int(5) != 0);
  }
  // Which produced execution each cached one in a succeeded run reused: the newest earlier one
  // of the same stage with the same fingerprint.
  MLOPS_TRY(reuses, m_db->prepare("SELECT (SELECT MAX(s.id) FROM executions s WHERE s.stage = "
                                  "c.stage AND s.fingerprint = c.fingerprint AND s.cached = 0 AND "
                                  "s.status = 'succeeded' AND s.id < c.id), c.run_id FROM metrics "
                                  "m JOIN executions c ON c.id = m.execution_id JOIN runs r ON "
                                  "r.id = c.run_id JOIN pipelines p ON p.id = r.pipeline_id WHERE "
                                  "m.key = ?1 AND p.name = ?2 AND c.cached = 1 AND r.status = "
                                  "'succeeded' ORDER BY r.started_at, c.id"));
  reuses->bind(1, key).bind(2, pipeline);
  std::map<int64_t, std::vector<std::string>> reused;
  while (true) {
    MLOPS_TRY(row, reuses->step());
    if (!*row) {
      break;
    }
    if (!reuses->column_is_null(0)) {
      reused[reuses->column_int(0)].push_back(reuses->column_text(1));
    }
  }
  std::vector<MetricRecord> history;
  for (auto& [metric, run_succeeded] : produced) {
    auto it = reused.find(metric.execution_id);
    if (it != reused.end()) {
      metric.reused_in = it->second;
    }
    if (run_succeeded || !metric.reused_in.empty()) {
      history.push_back(std::move(metric));
    }
  }
  return history;
}

}  // namespace mlops
