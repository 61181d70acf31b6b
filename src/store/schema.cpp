#include "store/schema.hpp"

#include <fmt/format.h>

namespace mlops {

const std::vector<std::string>& store_migrations() {
  static const std::vector<std::string> migrations = {
      // Version 1: runs, executions, artifacts, events and metrics (after ML Metadata's model).
      R"sql(
CREATE TABLE pipelines (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE runs (
  id TEXT PRIMARY KEY,                 -- 20261125-174912-a1b2: sortable by start time
  pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
  pipeline_file TEXT NOT NULL,         -- workspace-relative
  pipeline_hash TEXT NOT NULL,         -- XXH3-128 of the pipeline file's bytes
  status TEXT NOT NULL CHECK (status IN
    ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
  cause TEXT NOT NULL DEFAULT 'manual',
  cause_detail TEXT,
  params_json TEXT NOT NULL,
  git_commit TEXT,
  git_branch TEXT,
  git_dirty INTEGER,
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  mlops_version TEXT NOT NULL,
  owner_pid INTEGER NOT NULL,          -- with host and started_at: detects a dead owner
  started_at TEXT NOT NULL,            -- ISO 8601 UTC with milliseconds
  ended_at TEXT
);
CREATE INDEX runs_by_pipeline ON runs(pipeline_id, started_at);
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE executions (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id),
  stage TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'skipped')),
  command TEXT NOT NULL,
  exit_code INTEGER,
  signal INTEGER,
  message TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  log_path TEXT,
  fingerprint TEXT,
  cached INTEGER NOT NULL DEFAULT 0,
  UNIQUE (run_id, stage, attempt)
);
CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,                  -- workspace-relative
  kind TEXT NOT NULL CHECK (kind IN ('file', 'directory', 'dataset', 'model', 'metrics')),
  digest TEXT NOT NULL,                -- XXH3-128, 32 hex digits
  size INTEGER NOT NULL,
  produced_by INTEGER REFERENCES executions(id),
  created_at TEXT NOT NULL,
  UNIQUE (path, digest)
);
CREATE INDEX artifacts_by_path ON artifacts(path, created_at);
CREATE TABLE events (
  execution_id INTEGER NOT NULL REFERENCES executions(id),
  artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
  direction TEXT NOT NULL CHECK (direction IN ('input', 'output')),
  PRIMARY KEY (execution_id, artifact_id, direction)
);
CREATE INDEX events_by_artifact ON events(artifact_id, direction);
CREATE TABLE metrics (
  execution_id INTEGER NOT NULL REFERENCES executions(id),
  key TEXT NOT NULL,                   -- nested JSON flattened as a.b.c
  value REAL NOT NULL,
  PRIMARY KEY (execution_id, key)
);
)sql",
      // Version 2: skipping unchanged stages. Executions are found by fingerprint, and file
      // digests are memoized by (device, inode, size, mtime, ctime) so that a run with nothing
      // changed reads no file contents.
      R"sql(
CREATE INDEX executions_by_fingerprint ON executions(fingerprint) WHERE fingerprint IS NOT NULL;
CREATE TABLE file_stats (
  path TEXT PRIMARY KEY,               -- absolute
  device INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  ctime_ns INTEGER NOT NULL,
  digest TEXT NOT NULL
) WITHOUT ROWID;
)sql",
      // Version 3: triggers. What each trigger of each pipeline has seen (the last commit, the
      // data files, the last schedule time, the last artifact version), advanced in the same
      // transaction as the run it started; see docs/triggers.md.
      R"sql(
CREATE TABLE trigger_state (
  pipeline TEXT NOT NULL,
  trigger_key TEXT NOT NULL,           -- "git main@.", "data data/raw/**/*.csv", ...
  state TEXT NOT NULL,                 -- JSON, by kind
  updated_at TEXT NOT NULL,
  run_id TEXT REFERENCES runs(id),     -- the run that advanced it; NULL for a baseline or skip
  PRIMARY KEY (pipeline, trigger_key)
) WITHOUT ROWID;
)sql",
      // Version 4: owning processes across a crash. With these a later mlops tells the run's own
      // mlops process from an unrelated one that reused its pid (the concurrency policy
      // `replace`), and finds the processes a killed mlops left running (docs/metadata-store.md).
      R"sql(
ALTER TABLE runs ADD COLUMN owner_start_ticks INTEGER;   -- /proc/<owner_pid>/stat field 22
ALTER TABLE runs ADD COLUMN boot_id TEXT;                -- /proc/sys/kernel/random/boot_id
ALTER TABLE executions ADD COLUMN pid INTEGER;           -- the stage's main process: its session
                                                         -- and process group id too
ALTER TABLE executions ADD COLUMN pid_start_ticks INTEGER;  -- its /proc/PID/stat field 22
)sql",
      // Version 5: the queries of `runs`, `show` and `lineage` on big stores (10,000 runs of 50
      // stages: bench/make_store.py) read a few index entries instead of every run or every
      // version of a path. The newest runs come from runs_by_start (the runs of a status, such as
      // the running ones a command checks at start, from runs_by_status) without sorting them
      // all; the newest execution that used an artifact version (which version of a path is
      // current, and the order of `artifacts --history`) is the last entry of its range in
      // events_by_artifact.
      R"sql(
DROP INDEX runs_by_status;
CREATE INDEX runs_by_status ON runs(status, started_at, id);
CREATE INDEX runs_by_start ON runs(started_at, id);
DROP INDEX events_by_artifact;
CREATE INDEX events_by_artifact ON events(artifact_id, direction, execution_id);
)sql",
      // Version 6: data and model checks. A run and an execution may be `rejected` (a check
      // judged the data and said no: exit code 3), and artifacts may be profiles, validation
      // and drift reports. SQLite cannot ALTER a CHECK constraint; widening one is the case its
      // documentation allows by editing the table's definition (lang_altertable.html, "Making
      // Other Kinds Of Table Schema Changes"): existing rows stay valid, so nothing is rewritten.
      // migrate_store bumps the schema cookie after it and checks the three edits took.
      R"sql(
PRAGMA writable_schema=ON;
UPDATE sqlite_schema SET sql = replace(sql, '''cancelled'', ''interrupted'')',
    '''cancelled'', ''interrupted'', ''rejected'')') WHERE type = 'table' AND name = 'runs';
UPDATE sqlite_schema SET sql = replace(sql, '''interrupted'', ''skipped'')',
    '''interrupted'', ''skipped'', ''rejected'')') WHERE type = 'table' AND name = 'executions';
UPDATE sqlite_schema SET sql = replace(sql, '''model'', ''metrics'')',
    '''model'', ''metrics'', ''profile'', ''validation'', ''drift'')')
  WHERE type = 'table' AND name = 'artifacts';
PRAGMA writable_schema=OFF;
)sql",
      // Version 7: the model registry and metric triggers (docs/registry.md). A version number
      // comes from its model's counter (models.next_version), bumped in the transaction that
      // creates the version; aliases are unique per model and every move is appended to
      // alias_history; gate_results are the verdicts a promotion needs. Every table is keyed so
      // that `models show` and `resolve` read a few index entries on 10,000 versions.
      R"sql(
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  next_version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);
CREATE TABLE model_versions (
  model_id INTEGER NOT NULL REFERENCES models(id),
  version INTEGER NOT NULL,
  path TEXT NOT NULL,                  -- workspace-relative, as in artifacts
  kind TEXT NOT NULL CHECK (kind IN ('file', 'directory')),
  digest TEXT NOT NULL,
  size INTEGER NOT NULL,
  run_id TEXT,
  pipeline TEXT,
  stage TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (model_id, version),
  UNIQUE (model_id, digest)
) WITHOUT ROWID;
CREATE TABLE gate_results (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  version INTEGER NOT NULL,
  baseline_alias TEXT,
  baseline_version INTEGER,
  verdict TEXT NOT NULL CHECK (verdict IN ('passed', 'failed', 'passed_without_baseline')),
  checks TEXT NOT NULL,                -- JSON: each check with value, baseline, threshold, verdict
  metrics TEXT NOT NULL,               -- JSON: the candidate's metric values the gate read
  run_id TEXT,
  stage TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX gate_results_by_version ON gate_results(model_id, version, id);
CREATE INDEX gate_results_by_run ON gate_results(run_id) WHERE run_id IS NOT NULL;
CREATE TABLE model_aliases (
  model_id INTEGER NOT NULL REFERENCES models(id),
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (model_id, alias)
) WITHOUT ROWID;
CREATE TABLE alias_history (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  alias TEXT NOT NULL,
  from_version INTEGER,
  to_version INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('promote', 'force', 'rollback', 'gate')),
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  reason TEXT,
  gate_result_id INTEGER REFERENCES gate_results(id),
  run_id TEXT
);
CREATE INDEX alias_history_by_alias ON alias_history(model_id, alias, id);
CREATE TABLE model_tags (
  model_id INTEGER NOT NULL REFERENCES models(id),
  version INTEGER NOT NULL,            -- 0: the model itself
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, version, key)
) WITHOUT ROWID;
CREATE TABLE trigger_evaluations (
  id INTEGER PRIMARY KEY,
  pipeline TEXT NOT NULL,
  trigger_key TEXT NOT NULL,
  at TEXT NOT NULL,
  state_before TEXT NOT NULL,
  state_after TEXT NOT NULL,
  detail TEXT NOT NULL,                -- JSON: the readings, the aggregate, the condition
  run_id TEXT
);
CREATE INDEX trigger_evaluations_by_pipeline ON trigger_evaluations(pipeline, id);
)sql",
      // Version 8: the feature store (docs/feature-store.md). A feature-group commit is an
      // artifact version (fg://NAME/vN@C, its digest the commit's content hash): the output of
      // the execution that ingested it and an input of the datasets built from it. Widened as
      // version 6 widened the kinds.
      R"sql(
PRAGMA writable_schema=ON;
UPDATE sqlite_schema SET sql = replace(sql, '''validation'', ''drift'')',
    '''validation'', ''drift'', ''feature_group_commit'')')
  WHERE type = 'table' AND name = 'artifacts';
PRAGMA writable_schema=OFF;
)sql",
  };
  return migrations;
}

Result<int> store_schema_version(sqlite::Connection& connection) {
  auto statement = connection.prepare("PRAGMA user_version");
  if (!statement.ok()) {
    return statement.error();
  }
  auto row = statement->step();
  if (!row.ok()) {
    return row.error();
  }
  return static_cast<int>(statement->column_int(0));
}

namespace {

Result<int64_t> single_integer(sqlite::Connection& connection, const std::string& sql) {
  auto statement = connection.prepare(sql);
  if (!statement.ok()) {
    return statement.error();
  }
  auto row = statement->step();
  if (!row.ok()) {
    return row.error();
  }
  return statement->column_int(0);
}

// After a migration edited table definitions in sqlite_schema: other connections must reload
// the schema (the cookie tells them), and each edit must have found its text.
Status after_schema_edit(sqlite::Connection& connection, const std::string& migration) {
  auto cookie = single_integer(connection, "PRAGMA schema_version");
  if (!cookie.ok()) {
    return cookie.error();
  }
  Status bumped = connection.execute(fmt::format("PRAGMA schema_version = {}", *cookie + 1));
  if (!bumped.ok()) {
    return bumped;
  }
  auto edited = single_integer(connection,
                               "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND ("
                               "(name IN ('runs', 'executions') AND sql LIKE '%''rejected''%') OR "
                               "(name = 'artifacts' AND sql LIKE '%''validation''%'))");
  if (!edited.ok()) {
    return edited.error();
  }
  if (*edited != 3) {
    return Error(ErrorKind::Io, "the store's table definitions are not the ones mlops created");
  }
  if (migration.find("feature_group_commit") != std::string::npos) {
    auto widened = single_integer(connection,
                                  "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                                  "name = 'artifacts' AND sql LIKE '%''feature_group_commit''%'");
    if (!widened.ok()) {
      return widened.error();
    }
    if (*widened != 1) {
      return Error(ErrorKind::Io, "the store's table definitions are not the ones mlops created");
    }
  }
  return Status::success();
}

}  // namespace

Status migrate_store(sqlite::Connection& connection, const std::vector<std::string>& migrations) {
  // Up to date (the usual case): no write transaction, so a read-only command opens the store
  // while another process holds its write lock, or the disk is full.
  int latest_known = static_cast<int>(migrations.size());
  if (auto current = store_schema_version(connection); current.ok() && *current == latest_known) {
    return Status::success();
  }
  auto transaction = sqlite::WriteTransaction::begin(connection);
  if (!transaction.ok()) {
    return transaction.error();
  }
  // Read the version inside the write transaction, so two processes cannot both migrate.
  auto version = store_schema_version(connection);
  if (!version.ok()) {
    return version.error();
  }
  int latest = static_cast<int>(migrations.size());
  if (*version > latest) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("the store has schema version {}, newer than this mlops knows "
                             "({}); upgrade mlops",
                             *version, latest));
  }
  for (int next = *version; next < latest; ++next) {
    const std::string& migration = migrations[static_cast<size_t>(next)];
    Status applied = connection.execute(migration);
    if (applied.ok() && migration.find("writable_schema") != std::string::npos) {
      applied = after_schema_edit(connection, migration);
    }
    if (!applied.ok()) {
      return Error(ErrorKind::Io, fmt::format("cannot migrate the store to version {}: {}",
                                              next + 1, applied.error().message()));
    }
  }
  if (*version != latest) {
    Status set = connection.execute(fmt::format("PRAGMA user_version = {}", latest));
    if (!set.ok()) {
      return set;
    }
  }
  return (*transaction)->commit();
}

}  // namespace mlops
