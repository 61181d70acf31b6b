#include <gtest/gtest.h>

#include <filesystem>

#include "store/schema.hpp"
#include "store/sql.hpp"
#include "store/sqlite.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

std::unique_ptr<sql::Connection> open_memory() {
  auto connection = sql::open_sqlite(":memory:");
  EXPECT_TRUE(connection.ok());
  return std::move(connection.value());
}

TEST(StoreSchemaTest, MigratesAnEmptyStoreToTheLatestVersion) {
  auto db = open_memory();
  ASSERT_TRUE(migrate_store(*db, store_migrations()).ok());
  EXPECT_EQ(*store_schema_version(*db), static_cast<int>(store_migrations().size()));
  // Migrating again is a no-op.
  ASSERT_TRUE(migrate_store(*db, store_migrations()).ok());
}

TEST(StoreSchemaTest, MigratesForwardFromAnOlderVersionKeepingRows) {
  auto db = open_memory();
  std::vector<Migration> v1 = {"CREATE TABLE t (a INTEGER);"};
  ASSERT_TRUE(migrate_store(*db, v1).ok());
  ASSERT_TRUE(db->execute("INSERT INTO t VALUES (7)").ok());
  std::vector<Migration> v2 = {v1[0], "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x';"};
  ASSERT_TRUE(migrate_store(*db, v2).ok());
  EXPECT_EQ(*store_schema_version(*db), 2);
  auto row = db->prepare("SELECT a, b FROM t");
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row->step());
  EXPECT_EQ(row->column_int(0), 7);
  EXPECT_EQ(row->column_text(1), "x");
}

TEST(StoreSchemaTest, RefusesAStoreFromANewerMlops) {
  auto db = open_memory();
  ASSERT_TRUE(db->execute("PRAGMA user_version = 99").ok());
  auto status = migrate_store(*db, store_migrations());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("schema version 99, newer than this mlops"),
            std::string::npos);
}

TEST(StoreSchemaTest, AFailedMigrationLeavesTheOldVersion) {
  auto db = open_memory();
  std::vector<Migration> v1 = {"CREATE TABLE t (a INTEGER);"};
  ASSERT_TRUE(migrate_store(*db, v1).ok());
  std::vector<Migration> broken = {v1[0], "CREATE TABLE u (b INTEGER); THIS IS NOT SQL;"};
  EXPECT_FALSE(migrate_store(*db, broken).ok());
  EXPECT_EQ(*store_schema_version(*db), 1);
  EXPECT_FALSE(db->prepare("SELECT * FROM u").ok());  // rolled back
}

TEST(StoreSchemaTest, OnDiskStoreUsesWalAndForeignKeys) {
  auto path = std::filesystem::temp_directory_path() /
              ("mlops-store-test-" + std::to_string(::getpid()) + ".db");
  {
    auto db = sql::open_sqlite(path.string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(migrate_store(**db, store_migrations()).ok());
    auto mode = (*db)->prepare("PRAGMA journal_mode");
    ASSERT_TRUE(*mode->step());
    EXPECT_EQ(mode->column_text(0), "wal");
    // A run for a pipeline that does not exist violates a foreign key.
    EXPECT_FALSE((*db)
                     ->execute("INSERT INTO runs (id, pipeline_id, pipeline_file, pipeline_hash, "
                               "status, params_json, host, user, mlops_version, owner_pid, "
                               "started_at) VALUES ('r', 42, 'p', 'h', 'running', '{}', 'h', 'u', "
                               "'v', 1, 't')")
                     .ok());
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix);
  }
}

// The columns of an index, in order.
std::vector<std::string> index_columns(sql::Connection& db, const std::string& index) {
  std::vector<std::string> columns;
  auto info = db.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno");
  EXPECT_TRUE(info.ok());
  info->bind(1, index);
  while (*info->step()) {
    columns.push_back(info->column_text(0));
  }
  return columns;
}

TEST(StoreSchemaTest, Version5IndexesRunsByTimeAndArtifactUsesByExecution) {
  auto db = open_memory();
  ASSERT_TRUE(migrate_store(*db, store_migrations()).ok());
  ASSERT_GE(store_migrations().size(), 5u);
  using Columns = std::vector<std::string>;
  EXPECT_EQ(index_columns(*db, "runs_by_start"), (Columns{"started_at", "id"}));
  EXPECT_EQ(index_columns(*db, "runs_by_status"), (Columns{"status", "started_at", "id"}));
  EXPECT_EQ(index_columns(*db, "events_by_artifact"),
            (Columns{"artifact_id", "direction", "execution_id"}));
}

TEST(StoreSchemaTest, MigratesAVersion4StoreToVersion5KeepingItsRows) {
  auto db = open_memory();
  const auto& all = store_migrations();
  std::vector<Migration> v4(all.begin(), all.begin() + 4);
  ASSERT_TRUE(migrate_store(*db, v4).ok());
  ASSERT_TRUE(
      db->execute("INSERT INTO pipelines VALUES (1, 'p', 't');"
                  "INSERT INTO runs (id, pipeline_id, pipeline_file, pipeline_hash, status, "
                  "params_json, host, user, mlops_version, owner_pid, started_at) VALUES "
                  "('r1', 1, 'p.yaml', 'h', 'succeeded', '{}', 'h', 'u', 'v', 1, 't1');"
                  "INSERT INTO executions (id, run_id, stage, attempt, status, command, "
                  "started_at) VALUES (7, 'r1', 's', 1, 'succeeded', 'c', 't1');"
                  "INSERT INTO artifacts VALUES (3, 'out.txt', 'file', 'd', 1, 7, 't1');"
                  "INSERT INTO events VALUES (7, 3, 'output');")
          .ok());
  EXPECT_EQ(index_columns(*db, "runs_by_status"), (std::vector<std::string>{"status"}));
  ASSERT_TRUE(migrate_store(*db, all).ok());
  EXPECT_EQ(*store_schema_version(*db), static_cast<int>(all.size()));
  EXPECT_EQ(index_columns(*db, "runs_by_status"),
            (std::vector<std::string>{"status", "started_at", "id"}));
  auto row = db->prepare(
      "SELECT r.id, x.id, a.path, e.direction FROM runs r JOIN executions x ON x.run_id = r.id "
      "JOIN events e ON e.execution_id = x.id JOIN artifacts a ON a.id = e.artifact_id");
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row->step());
  EXPECT_EQ(row->column_text(0), "r1");
  EXPECT_EQ(row->column_int(1), 7);
  EXPECT_EQ(row->column_text(2), "out.txt");
  EXPECT_EQ(row->column_text(3), "output");
}

TEST(StoreSchemaTest, NotADatabaseIsAClearError) {
  auto path = std::filesystem::temp_directory_path() /
              ("mlops-store-junk-" + std::to_string(::getpid()) + ".db");
  {
    FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("this is not a database, but it is long enough to have a header......\n", file);
    std::fclose(file);
  }
  auto db = sqlite::Connection::open(path.string());
  EXPECT_FALSE(db.ok());
  if (!db.ok()) {
    EXPECT_NE(db.error().message().find("not a database"), std::string::npos)
        << db.error().message();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mlops

#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"

namespace mlops {
namespace {

RunRecord sample_run(const std::string& id) {
  RunRecord run;
  run.id = id;
  run.pipeline = "quickstart";
  run.pipeline_file = "pipelines/quickstart.yaml";
  run.pipeline_hash = "00112233445566778899aabbccddeeff";
  run.params_json = R"({"lr":0.1})";
  run.git_commit = "a1b2c3d";
  run.git_dirty = true;
  run.host = "host";
  run.user = "user";
  run.mlops_version = "0.1.0";
  run.owner_pid = 42;
  run.started_at = "2026-11-25T17:49:12.000Z";
  return run;
}

class SqlStoreTest : public testing::StoreEngineTest {};
MLOPS_STORE_ENGINES(SqlStoreTest);

TEST_P(SqlStoreTest, RecordsARunAndItsExecutions) {
  auto store = SqlStore::open(locator);
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)->begin_run(sample_run("r1")).ok());
  ASSERT_TRUE((*store)->begin_run(sample_run("r2")).ok());  // same pipeline, second run

  ExecutionRecord execution;
  execution.run_id = "r1";
  execution.stage = "train[model=logreg]";
  execution.command = "python3 train.py";
  execution.started_at = "2026-11-25T17:49:13.000Z";
  auto id = (*store)->begin_execution(execution);
  ASSERT_TRUE(id.ok()) << id.error().message();
  execution.id = *id;
  execution.status = "failed";
  execution.exit_code = 3;
  execution.ended_at = "2026-11-25T17:49:14.000Z";
  ASSERT_TRUE((*store)->finish_execution(ExecutionOutcome{execution, {}, {}, {}}).ok());
  ASSERT_TRUE((*store)->finish_run("r1", "failed", "2026-11-25T17:49:15.000Z").ok());

  auto run = (*store)->find_run("r1");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(run->has_value());
  EXPECT_EQ((*run)->status, "failed");
  EXPECT_EQ((*run)->pipeline, "quickstart");
  EXPECT_EQ((*run)->git_dirty, std::optional<bool>(true));
  EXPECT_EQ((*run)->ended_at, std::optional<std::string>("2026-11-25T17:49:15.000Z"));
  auto executions = (*store)->executions_of("r1");
  ASSERT_TRUE(executions.ok());
  ASSERT_EQ(executions->size(), 1u);
  EXPECT_EQ((*executions)[0].stage, "train[model=logreg]");
  EXPECT_EQ((*executions)[0].exit_code, std::optional<int64_t>(3));
  EXPECT_FALSE((*executions)[0].signal.has_value());
  auto missing = (*store)->find_run("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(SqlStoreTest, TriggerStateAdvancesWithTheRunOrNotAtAll) {
  auto store = SqlStore::open(locator);
  ASSERT_TRUE(store.ok());
  MetadataStore& db = **store;
  TriggerAdvance first{"quickstart", "git main@.", std::nullopt, R"({"commit":"a"})"};
  ASSERT_TRUE(db.begin_run(sample_run("r1"), {first}).ok());
  auto states = db.trigger_states("quickstart");
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].state_json, R"({"commit":"a"})");
  EXPECT_EQ((*states)[0].run_id, std::optional<std::string>("r1"));

  // A second process that saw the same event (expects no state) loses: no run is recorded.
  Status duplicate = db.begin_run(sample_run("r2"), {first});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().kind(), ErrorKind::Conflict);
  auto r2 = db.find_run("r2");
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2->has_value());

  // Advancing from the stored state works once; a stale expectation is refused.
  TriggerAdvance next{"quickstart", "git main@.", R"({"commit":"a"})", R"({"commit":"b"})"};
  ASSERT_TRUE(db.advance_triggers({next}, "2026-11-25T18:00:00.000Z").ok());
  EXPECT_FALSE(db.advance_triggers({next}, "2026-11-25T18:00:01.000Z").ok());
  states = db.trigger_states("quickstart");
  ASSERT_TRUE(states.ok());
  EXPECT_EQ((*states)[0].state_json, R"({"commit":"b"})");
  EXPECT_FALSE((*states)[0].run_id.has_value());
}

TEST_P(SqlStoreTest, RejectsAnExecutionOfAnUnknownRun) {
  auto store = SqlStore::open(locator);
  ASSERT_TRUE(store.ok());
  ExecutionRecord execution;
  execution.run_id = "no-such-run";
  execution.stage = "s";
  execution.command = "x";
  execution.started_at = "t";
  EXPECT_FALSE((*store)->begin_execution(execution).ok());
}

}  // namespace
}  // namespace mlops

namespace mlops {
namespace {

// Two runs: the first writes features.csv from raw.csv; the second reads features.csv (same
// version) and writes model.pkl, then a third run rewrites features.csv with new bytes.
class SqlStoreLineageTest : public testing::OpenStoreEngineTest {
 protected:
  int64_t execute(const std::string& run, const std::string& stage,
                  std::vector<ArtifactVersion> inputs, std::vector<ArtifactVersion> outputs,
                  std::vector<MetricValue> metrics = {}, bool cached = false) {
    if (!store->find_run(run)->has_value()) {
      RunRecord record = sample_run(run);
      record.started_at = run;  // ids sort like times here
      EXPECT_TRUE(store->begin_run(record).ok());
    }
    ExecutionRecord execution;
    execution.run_id = run;
    execution.stage = stage;
    execution.command = "cmd";
    execution.started_at = run;
    execution.fingerprint = "fp-" + stage;
    execution.cached = cached;
    auto id = store->begin_execution(execution);
    EXPECT_TRUE(id.ok());
    execution.id = *id;
    execution.status = "succeeded";
    execution.exit_code = 0;
    execution.ended_at = run;
    EXPECT_TRUE(store->finish_execution({execution, inputs, outputs, metrics}).ok());
    EXPECT_TRUE(store->finish_run(run, "succeeded", run).ok());
    return *id;
  }
};

MLOPS_STORE_ENGINES(SqlStoreLineageTest);

TEST_P(SqlStoreLineageTest, ACachedExecutionReusesAVersionButNeverProducesIt) {
  ArtifactVersion model{"models/m.pkl", "model", "m1", 30};
  int64_t train = execute("run-a", "train", {}, {model}, {{"auc", 0.9}});
  execute("run-b", "train", {}, {model}, {{"auc", 0.9}}, /*cached=*/true);
  execute("run-c", "train", {}, {model}, {{"auc", 0.9}}, /*cached=*/true);
  auto history = store->artifact_history("models/m.pkl");
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].producer, std::optional<int64_t>(train));
  EXPECT_EQ((*history)[0].producer_run, std::optional<std::string>("run-a"));
  EXPECT_EQ((*history)[0].reused_in, (std::vector<std::string>{"run-b", "run-c"}));
  auto values = store->metric_history("auc", "quickstart");
  ASSERT_EQ(values->size(), 1u);
  EXPECT_EQ((*values)[0].run_id, "run-a");
  EXPECT_EQ((*values)[0].reused_in, (std::vector<std::string>{"run-b", "run-c"}));
  EXPECT_EQ(*store->producing_runs(), (std::set<std::string>{"run-a"}));
}

TEST_P(SqlStoreLineageTest, VersionsProducersAndConsumers) {
  ArtifactVersion raw{"data/raw.csv", "file", "r1", 10};
  ArtifactVersion features_v1{"data/features.csv", "file", "f1", 20};
  ArtifactVersion features_v2{"data/features.csv", "file", "f2", 21};
  ArtifactVersion model{"models/m.pkl", "model", "m1", 30};
  int64_t featurize = execute("run-a", "featurize", {raw}, {features_v1});
  int64_t train = execute("run-b", "train", {features_v1}, {model}, {{"auc", 0.9}});
  execute("run-c", "featurize", {raw}, {features_v2});

  auto history = store->artifact_history("data/features.csv");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].digest, "f2");
  EXPECT_EQ((*history)[0].producer_run, std::optional<std::string>("run-c"));
  EXPECT_EQ((*history)[1].producer, std::optional<int64_t>(featurize));

  auto latest = store->latest_artifacts("data");
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 2u);  // raw.csv and features.csv, newest versions
  EXPECT_EQ((*latest)[0].path, "data/features.csv");
  EXPECT_EQ((*latest)[0].digest, "f2");
  EXPECT_EQ(store->latest_artifacts("dat")->size(), 0u);  // whole components only

  // Lineage: the model was produced by train, which read features v1, made by featurize.
  auto model_record = store->artifact_history("models/m.pkl");
  ASSERT_EQ(model_record->size(), 1u);
  EXPECT_EQ((*model_record)[0].kind, "model");
  auto inputs = store->events_of_execution(train);
  ASSERT_TRUE(inputs.ok());
  ASSERT_EQ(inputs->size(), 2u);
  EXPECT_EQ((*inputs)[0].direction, "input");
  EXPECT_EQ((*inputs)[0].artifact.digest, "f1");
  EXPECT_EQ((*inputs)[0].artifact.producer, std::optional<int64_t>(featurize));
  auto consumers = store->executions_using((*inputs)[0].artifact.id, "input");
  ASSERT_EQ(consumers->size(), 1u);
  EXPECT_EQ((*consumers)[0].stage, "train");

  auto metrics = store->metrics_of_run("run-b");
  ASSERT_EQ(metrics->size(), 1u);
  EXPECT_EQ((*metrics)[0].key, "auc");
  EXPECT_DOUBLE_EQ((*metrics)[0].value, 0.9);
  EXPECT_EQ(store->metric_history("auc", "quickstart")->size(), 1u);

  auto runs = store->list_runs({});
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].id, "run-c");
  EXPECT_EQ(store->run_ids("run-", 10)->size(), 3u);
  EXPECT_EQ(*store->run_ids("run-b", 10), (std::vector<std::string>{"run-b"}));
}

TEST_P(SqlStoreLineageTest, InterruptedRunMarksItsRunningExecutions) {
  ASSERT_TRUE(store->begin_run(sample_run("r9")).ok());
  ExecutionRecord execution;
  execution.run_id = "r9";
  execution.stage = "s";
  execution.command = "c";
  execution.started_at = "t";
  ASSERT_TRUE(store->begin_execution(execution).ok());
  ASSERT_TRUE(store->mark_interrupted("r9", "t2").ok());
  EXPECT_EQ((*store->find_run("r9"))->status, "interrupted");
  EXPECT_EQ((*store->executions_of("r9"))[0].status, "interrupted");
  EXPECT_EQ((*store->list_runs({std::nullopt, "interrupted", 5})).size(), 1u);
}

}  // namespace
}  // namespace mlops

namespace mlops {
namespace {

int64_t count_rows(sqlite::Connection& db) {
  auto query = db.prepare("SELECT count(*) FROM t");
  EXPECT_TRUE(query.ok());
  EXPECT_TRUE(*query->step());
  return query->column_int(0);
}

TEST(StoreReadHoldTest, HeldReadsShareASnapshotAndAWriteEndsItFirst) {
  testing::TempDir dir;
  std::string path = (dir.path() / "store.db").string();
  auto mine = std::move(*sqlite::Connection::open(path));
  auto other = std::move(*sqlite::Connection::open(path));
  ASSERT_TRUE(mine->execute("CREATE TABLE t (a INTEGER)").ok());
  mine->hold_reads();
  mine->hold_reads();  // nested
  EXPECT_EQ(count_rows(*mine), 0);
  ASSERT_TRUE(other->execute("INSERT INTO t VALUES (1)").ok());
  EXPECT_EQ(count_rows(*mine), 0);  // one snapshot while held
  mine->release_reads();
  EXPECT_EQ(count_rows(*mine), 0);  // still held once
  // A write through a statement ends the read first, so it neither fails on the old snapshot
  // nor writes from it; then reads see the new state.
  auto insert = mine->prepare("INSERT INTO t VALUES (2)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->run().ok());
  EXPECT_EQ(count_rows(*mine), 2);
  // And a write transaction, too.
  mine->hold_reads();
  EXPECT_EQ(count_rows(*mine), 2);
  ASSERT_TRUE(other->execute("INSERT INTO t VALUES (3)").ok());
  auto transaction = sqlite::WriteTransaction::begin(*mine);
  ASSERT_TRUE(transaction.ok()) << transaction.error().message();
  ASSERT_TRUE((*transaction)->commit().ok());
  EXPECT_EQ(count_rows(*mine), 3);
  mine->release_reads();
  mine->release_reads();
  mine->release_reads();  // more releases than holds do nothing
  ASSERT_TRUE(other->execute("INSERT INTO t VALUES (4)").ok());
  EXPECT_EQ(count_rows(*mine), 4);  // not held: each query sees the latest
}

}  // namespace
}  // namespace mlops
