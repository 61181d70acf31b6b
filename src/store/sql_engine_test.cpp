// What differs between the store's engines (sql.hpp, postgres.cpp, store_locator.hpp,
// store_copy.hpp): naming a store and hiding its password, PostgreSQL's schema checks and
// migrations, a lost connection, the pipeline lock and heartbeats, and `store copy` of every
// table between the engines. PostgreSQL cases skip without $MLOPS_TEST_PG.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "store/schema.hpp"
#include "store/sql.hpp"
#include "store/sql_store.hpp"
#include "store/store_copy.hpp"
#include "store/store_locator.hpp"
#include "store/store_test_util.hpp"

namespace mlops {
namespace {

TEST(StoreLocatorTest, UrlsAndConninfoArePostgresAndAnythingElseIsAFile) {
  EXPECT_EQ(store_engine("postgresql://db1/mlops"), StoreEngine::Postgres);
  EXPECT_EQ(store_engine("postgres://ann@db1:5433/mlops"), StoreEngine::Postgres);
  EXPECT_EQ(store_engine("host=db1 dbname=mlops"), StoreEngine::Postgres);
  EXPECT_EQ(store_engine("  service = mlops"), StoreEngine::Postgres);
  EXPECT_EQ(store_engine(".mlops/store.db"), StoreEngine::Sqlite);
  EXPECT_EQ(store_engine("/data/a=b/store.db"), StoreEngine::Sqlite);
  EXPECT_EQ(store_engine(":memory:"), StoreEngine::Sqlite);
}

TEST(StoreLocatorTest, PasswordsAreRedactedInEveryForm) {
  EXPECT_EQ(redacted_locator("postgresql://ann:s3cret@db1:5432/mlops?sslmode=require"),
            "postgresql://ann:***@db1:5432/mlops?sslmode=require");
  EXPECT_EQ(redacted_locator("postgres://ann@db1/mlops?password=s3cret&sslmode=disable"),
            "postgres://ann@db1/mlops?password=***&sslmode=disable");
  EXPECT_EQ(redacted_locator("postgresql://db1/mlops"), "postgresql://db1/mlops");
  EXPECT_EQ(redacted_locator("host=db1 password=s3cret dbname=x"),
            "host=db1 password=*** dbname=x");
  EXPECT_EQ(redacted_locator("host=db1 password = 'a b\\' c' dbname=x"),
            "host=db1 password = *** dbname=x");
  EXPECT_EQ(redacted_locator("/tmp/password=x.db"), "/tmp/password=x.db");  // a file
  EXPECT_EQ(without_password("FATAL: missing \"=\" after \"s3cret\"", "host=h password=s3cret"),
            "FATAL: missing \"=\" after \"***\"");
  EXPECT_EQ(without_password("bad a b' c", "host=h password='a b\\' c'"), "bad a b' c");
}

class SqlEngineTest : public testing::StoreEngineTest {
 protected:
  bool postgres() const { return GetParam() == testing::TestEngine::Postgres; }
  std::string value(SqlStore& store, const std::string& sql) {
    auto query = store.connection().prepare(sql);
    EXPECT_TRUE(query.ok()) << query.error().message();
    auto row = query->step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return row.ok() && *row ? query->column_text(0) : "";
  }
};
MLOPS_STORE_ENGINES(SqlEngineTest);

RunRecord run_record(const std::string& id, const std::string& pipeline = "p") {
  RunRecord run;
  run.id = id;
  run.pipeline = pipeline;
  run.pipeline_file = pipeline + ".yaml";
  run.host = "h";
  run.user = "u";
  run.started_at = "2026-12-01T00:00:00.000Z";
  return run;
}

TEST_P(SqlEngineTest, PlaceholdersInsideLiteralsAndNamesAreLeftAlone) {
  auto store = open_store();
  auto query = store->connection().prepare(
      "SELECT '?1 it''s', ?1 || 'x' -- ?2 in a comment\n, \"user\" FROM runs LIMIT 1");
  ASSERT_TRUE(query.ok()) << query.error().message();
  query->bind(1, std::string_view("a"));
  auto row = query->step();
  ASSERT_TRUE(row.ok()) << row.error().message();
  EXPECT_FALSE(*row);  // no runs; the point is that it prepared and ran
  EXPECT_EQ(value(*store, "SELECT '?1'"), "?1");
}

// PostgreSQL sends the writes nobody reads back with the commit: an error among them still fails
// the transaction, and nothing of it is written.
TEST_P(SqlEngineTest, AFailedDeferredWriteFailsItsTransaction) {
  auto store = open_store();
  ExecutionRecord ghost;
  ghost.id = 424242;  // no such execution: its events violate a foreign key
  ghost.status = "succeeded";
  Status finished = store->finish_execution({ghost, {}, {{"o.txt", "file", "d", 1}}, {}});
  EXPECT_FALSE(finished.ok());
  EXPECT_EQ(value(*store, "SELECT COUNT(*) FROM artifacts"), "0");
  ASSERT_TRUE(store->begin_run(run_record("r1")).ok());  // the connection is usable again
}

TEST_P(SqlEngineTest, HeartbeatsMoveOnlyWhileTheRunRuns) {
  auto store = open_store();
  ASSERT_TRUE(store->begin_run(run_record("r1")).ok());
  EXPECT_EQ((*store->find_run("r1"))->heartbeat_at, "2026-12-01T00:00:00.000Z");
  ASSERT_TRUE(store->heartbeat("r1", "2026-12-01T00:00:10.000Z").ok());
  EXPECT_EQ((*store->find_run("r1"))->heartbeat_at, "2026-12-01T00:00:10.000Z");
  ASSERT_TRUE(store->finish_run("r1", "succeeded", "2026-12-01T00:00:11.000Z").ok());
  ASSERT_TRUE(store->heartbeat("r1", "2026-12-01T00:00:20.000Z").ok());
  EXPECT_EQ((*store->find_run("r1"))->heartbeat_at, "2026-12-01T00:00:10.000Z");
}

TEST_P(SqlEngineTest, APipelineLockIsHeldByOneConnectionAtATime) {
  auto first = open_store();
  auto second = open_store();
  EXPECT_TRUE(*first->try_lock_pipeline("train"));
  // SQLite: the workspace's lock file does it; the store always says yes.
  EXPECT_EQ(*second->try_lock_pipeline("train"), !postgres());
  EXPECT_TRUE(*second->try_lock_pipeline("features"));
  first.reset();  // the process died: its session, and its locks, end
  // The client's close returns before the server has ended the session: its lock goes within
  // moments, not at once.
  bool locked = false;
  for (int attempt = 0; attempt < 100 && !locked; ++attempt) {
    auto taken = second->try_lock_pipeline("train");
    ASSERT_TRUE(taken.ok()) << taken.error().message();
    locked = *taken;
    if (!locked) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_TRUE(locked) << "the lock of a closed session was still held after 5 s";
}

TEST_P(SqlEngineTest, SchemaMigrationsListsEveryVersion) {
  auto store = open_store();
  std::string latest = std::to_string(store_migrations().size());
  EXPECT_EQ(value(*store, "SELECT COUNT(*) FROM schema_migrations"), latest);
  EXPECT_EQ(value(*store, "SELECT MAX(version) FROM schema_migrations"), latest);
  auto again = SqlStore::migrate(locator);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->first, again->second);
}

TEST_P(SqlEngineTest, APostgresStoreIsOpenedOnlyAtTheLatestVersion) {
  if (!postgres()) {
    GTEST_SKIP() << "SQLite stores migrate when opened (StoreSchemaTest)";
  }
  auto store = open_store();
  ASSERT_TRUE(store->connection().execute("DELETE FROM schema_migrations WHERE version > 3").ok());
  auto older = SqlStore::open(locator);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().kind(), ErrorKind::InvalidSpec);
  EXPECT_NE(older.error().message().find("run `mlops store migrate`"), std::string::npos);
  ASSERT_TRUE(store->connection()
                  .execute("INSERT INTO schema_migrations VALUES (4, 'x'), "
                           "(5, 'x'), (6, 'x'), (7, 'x'), (8, 'x'), (9, 'x'), "
                           "(42, 'x')")
                  .ok());
  auto newer = SqlStore::open(locator);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message().find("schema version 42, newer than this mlops"),
            std::string::npos);
}

TEST_P(SqlEngineTest, ALostConnectionIsReopenedAndTheWriteRetried) {
  if (!postgres()) {
    GTEST_SKIP() << "SQLite has no connection to lose";
  }
  auto store = open_store();
  ASSERT_TRUE(store->begin_run(run_record("r1")).ok());
  std::string pid = value(*store, "SELECT pg_backend_pid()");
  auto admin = sql::open_postgres(testing::test_pg_admin());
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->execute("SELECT pg_terminate_backend(" + pid + ")").ok());
  auto read = store->find_run("r1");  // a read between transactions reconnects at once
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_TRUE(read->has_value());
  pid = value(*store, "SELECT pg_backend_pid()");
  ASSERT_TRUE((*admin)->execute("SELECT pg_terminate_backend(" + pid + ")").ok());
  Status written = store->begin_run(run_record("r2"));  // a transaction is run again
  EXPECT_TRUE(written.ok()) << written.error().message();
  EXPECT_TRUE(store->find_run("r2")->has_value());
}

// Every table filled, copied to the other engine and back: the same rows and digests.
TEST_P(SqlEngineTest, StoreCopyKeepsEveryRowOfEveryTable) {
  auto source = open_store();
  RunRecord first = run_record("r1");
  first.name = "exp";
  first.note = "a note";
  first.tags = {{"team", "churn"}};
  ASSERT_TRUE(source->begin_run(first, {{"p", "data x", std::nullopt, "{}"}}).ok());
  ExecutionRecord execution;
  execution.run_id = "r1";
  execution.stage = "s";
  execution.command = "c";
  execution.started_at = "t";
  execution.id = *source->begin_execution(execution);
  execution.status = "succeeded";
  ASSERT_TRUE(source
                  ->finish_execution({execution,
                                      {{"in.csv", "file", "d1", 1}},
                                      {{"out.csv", "file", "d2", 2}},
                                      {{"auc", 0.8125}, {"loss", 1e-300}}})
                  .ok());
  ASSERT_TRUE(source->remember_file_stats({{"/w/in.csv", 1, 2, 3, 4, 5, "d1"}}).ok());
  ASSERT_TRUE(source
                  ->record_hook_execution({0, "r1", "on_failure", "failed", 1, std::nullopt,
                                           "exit code 1", "t", "t", 12, "logs/hook.log"})
                  .ok());
  ModelVersionRecord version;
  version.model = "m";
  version.path = "m.pkl";
  version.kind = "file";
  version.digest = "dm";
  version.created_at = "t";
  ASSERT_TRUE(source->register_model_version(version).ok());
  GateResultRecord gate;
  gate.model = "m";
  gate.version = 1;
  gate.verdict = "passed";
  gate.created_at = "t";
  AliasMoveRequest move;
  move.model = "m";
  move.alias = "champion";
  move.version = 1;
  move.actor = "a";
  move.at = "t";
  ASSERT_TRUE(source->record_gate(gate, move).ok());
  ASSERT_TRUE(source->set_model_tag("m", 1, "k", "v").ok());
  ASSERT_TRUE(source->record_trigger_evaluations({{0, "p", "k", "t", "a", "b", "{}", {}}}).ok());

  // To the other engine, then back to this one.
  std::unique_ptr<testing::TestPgDatabase> pg;
  testing::TempDir dir("mlops-copy");
  std::string other = (dir.path() / "other.db").string();
  if (!postgres() && testing::test_pg_admin()) {
    pg = testing::TestPgDatabase::create(testing::test_pg_admin());
    other = pg->locator();
    ASSERT_TRUE(SqlStore::migrate(other).ok());
  }
  auto middle = SqlStore::open(other);
  ASSERT_TRUE(middle.ok()) << middle.error().message();
  auto there = copy_store(*source, **middle);
  ASSERT_TRUE(there.ok()) << there.error().message();
  auto back_store = SqlStore::open((dir.path() / "back.db").string());
  ASSERT_TRUE(back_store.ok());
  auto back = copy_store(**middle, **back_store);
  ASSERT_TRUE(back.ok()) << back.error().message();
  auto original = digest_store(*source);
  ASSERT_TRUE(original.ok());
  ASSERT_EQ(original->size(), back->size());
  for (size_t i = 0; i < back->size(); ++i) {
    EXPECT_GT((*original)[i].rows, 0) << (*original)[i].table;  // every table has a row
    EXPECT_EQ((*original)[i].rows, (*back)[i].rows) << (*back)[i].table;
    EXPECT_EQ((*original)[i].digest, (*back)[i].digest) << (*back)[i].table;
    EXPECT_EQ((*there)[i].digest, (*back)[i].digest) << (*back)[i].table;
  }
  // A second copy into the same target is refused, and writes nothing.
  auto again = copy_store(*source, **middle);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::Usage);
  // New rows in the copy get ids after the copied ones.
  ASSERT_TRUE((*middle)->begin_run(run_record("r2")).ok());
  execution.run_id = "r2";
  auto next = (*middle)->begin_execution(execution);
  ASSERT_TRUE(next.ok()) << next.error().message();
  EXPECT_GT(*next, execution.id);
}

}  // namespace
}  // namespace mlops
