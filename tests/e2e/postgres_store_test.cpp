// The PostgreSQL metadata store end to end (docs/metadata-store.md#postgresql): the real binary
// with MLOPS_STORE naming a database of its own on the test server (scripts/pg-server.sh, which
// prints MLOPS_TEST_PG): runs, lineage, triggers, the registry's alias compare-and-swap, feature
// store commits, migrations (two at once, older and newer schemas), the pipeline lock across
// machines, interrupted runs found by their heartbeat, `store copy` both ways, a password never
// shown, and eight concurrent runs of different pipelines. Skipped, with a message, without a
// server.
#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "store/sql.hpp"
#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_password = "hunter2-Secret-pw";

constexpr const char* k_pipeline = R"(version: 1
name: demo
stages:
  prepare:
    run: echo raw > prepared.txt
    outs: [prepared.txt]
  train:
    run: cat prepared.txt > model.txt
    deps: [prepared.txt]
    outs: [model.txt]
)";

class PostgresStoreTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    if (!testing::test_pg_admin()) {
      GTEST_SKIP() << testing::k_pg_skip_message;
    }
    db = testing::TestPgDatabase::create(testing::test_pg_admin());
    ASSERT_TRUE(db);
    // The server trusts local connections: the password is there to be hidden, not checked.
    locator = db->locator() + " password=" + k_password;
    ws.write("pipeline.yaml", k_pipeline);
  }

  CommandResult pg(std::vector<std::string> args, std::vector<std::string> env = {}) {
    env.push_back("MLOPS_STORE=" + locator);
    CommandResult result = run_mlops(args, {ws.path(), env, std::nullopt});
    EXPECT_EQ(result.out.find(k_password), std::string::npos) << result.out;
    EXPECT_EQ(result.err.find(k_password), std::string::npos) << result.err;
    return result;
  }
  void migrate() {
    auto migrated = pg({"store", "migrate"});
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  }
  std::unique_ptr<sql::Connection> connect() {
    auto connection = sql::open_postgres(db->locator());
    EXPECT_TRUE(connection.ok()) << connection.error().message();
    return std::move(*connection);
  }
  std::string pg_value(const std::string& sql) {
    auto connection = connect();
    auto query = connection->prepare(sql);
    EXPECT_TRUE(query.ok()) << query.error().message();
    auto row = query->step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return row.ok() && *row ? query->column_text(0) : "";
  }

  std::unique_ptr<testing::TestPgDatabase> db;
  std::string locator;
};

TEST_F(PostgresStoreTest, RunsRunsAndLineageLiveInPostgres) {
  migrate();
  auto first = pg({"run", "pipeline.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = pg({"run", "pipeline.yaml"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("2 from the cache"), std::string::npos) << second.out;
  EXPECT_FALSE(ws.exists(".mlops/store.db"));  // nothing recorded beside the workspace
  EXPECT_EQ(pg_value("SELECT count(*) FROM runs WHERE status = 'succeeded'"), "2");
  EXPECT_EQ(pg_value("SELECT count(*) FROM executions WHERE cached = 1"), "2");
  auto runs = pg({"runs"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.out.find("demo"), std::string::npos) << runs.out;
  auto lineage = pg({"lineage", "model.txt"});
  ASSERT_EQ(lineage.exit_code, 0) << lineage.err;
  EXPECT_NE(lineage.out.find("written by train"), std::string::npos) << lineage.out;
  EXPECT_NE(lineage.out.find("read prepared.txt"), std::string::npos) << lineage.out;
  // The global option names the store as the environment does.
  auto global = run_mlops({"--store", locator, "runs", "--json"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(global.exit_code, 0) << global.err;
  EXPECT_EQ(global.out.find(k_password), std::string::npos);
  // The password is nowhere in the workspace (logs, journals, reports) nor in the store.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ws.path())) {
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(bytes.find(k_password), std::string::npos) << entry.path();
    }
  }
  EXPECT_EQ(pg_value("SELECT count(*) FROM runs WHERE params_json LIKE '%hunter2%' OR "
                     "cause_detail LIKE '%hunter2%'"),
            "0");
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  locator = "host=/nonexistent-dir port=1 user=ann dbname=x password=" + std::string(k_password);
  auto refused = pg({"runs"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("password=***"), std::string::npos) << refused.err;
  locator = std::string("postgresql://ann:") + k_password + "@127.0.0.1:1/x?connect_timeout=2";
  refused = pg({"runs"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("postgresql://ann:***@127.0.0.1:1/x"), std::string::npos)
      << refused.err;
}

// The locator goes to libpq as it is: a service file (PGSERVICEFILE, PGSERVICE) names the server.
TEST_F(PostgresStoreTest, LibpqServiceFilesAreHonoured) {
  // The admin conninfo's keywords, one a line, the test's own database last (a service file
  // keeps the first of a keyword given twice: the admin's dbname is left out).
  std::string settings;
  std::istringstream words(testing::test_pg_admin());
  for (std::string word; words >> word;) {
    settings += word.rfind("dbname=", 0) == 0 ? "" : word + "\n";
  }
  ws.write("pg_service.conf", "[mlops]\n" + settings + "dbname=" + db->name() + "\n");
  locator = "service=mlops";
  std::vector<std::string> env = {"PGSERVICEFILE=" + (ws / "pg_service.conf").string()};
  ASSERT_EQ(pg({"store", "migrate"}, env).exit_code, 0);
  auto ran = pg({"run", "pipeline.yaml"}, env);
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(pg_value("SELECT count(*) FROM runs"), "1");
  auto runs =
      pg({"runs"}, {"PGSERVICEFILE=" + (ws / "pg_service.conf").string(), "PGSERVICE=mlops"});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
}

TEST_F(PostgresStoreTest, TwoMigratorsAtOnceOneMigratesTheOtherWaits) {
  std::vector<std::thread> threads;
  std::vector<CommandResult> results(2);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = pg({"store", "migrate"}); });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  int migrated = 0;
  for (const auto& result : results) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    migrated += result.out.find("from schema version 0 to") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(migrated, 1);
  EXPECT_EQ(pg_value("SELECT count(*) FROM schema_migrations"),
            pg_value("SELECT MAX(version) FROM schema_migrations"));
  // Again: nothing to do.
  auto again = pg({"store", "migrate", "--json"});
  EXPECT_NE(again.out.find("\"from_version\""), std::string::npos) << again.out;
}

TEST_F(PostgresStoreTest, AnOlderSchemaNeedsStoreMigrateAndANewerOneIsRefused) {
  auto unmigrated = pg({"run", "pipeline.yaml"});
  EXPECT_EQ(unmigrated.exit_code, 2);
  EXPECT_NE(unmigrated.err.find("run `mlops store migrate`"), std::string::npos) << unmigrated.err;
  EXPECT_FALSE(ws.exists("model.txt"));  // nothing ran
  migrate();
  ASSERT_TRUE(connect()->execute("INSERT INTO schema_migrations VALUES (99, 'future')").ok());
  auto newer = pg({"runs"});
  EXPECT_EQ(newer.exit_code, 2);
  EXPECT_NE(newer.err.find("schema version 99, newer than this mlops"), std::string::npos)
      << newer.err;
  auto migrate_newer = pg({"store", "migrate"});
  EXPECT_EQ(migrate_newer.exit_code, 2);
}

TEST_F(PostgresStoreTest, APipelineRunningOnAnotherMachineRefusesASecondRun) {
  migrate();
  // Another machine's mlops holds the pipeline's session lock (docs/metadata-store.md).
  auto other = connect();
  ASSERT_TRUE(other->execute("SELECT pg_advisory_lock(1296846673, hashtext('demo'))").ok());
  auto refused = pg({"run", "pipeline.yaml"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("pipeline 'demo' is already running"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(ws.exists("model.txt"));
  other.reset();  // that mlops died: its session ended, and its lock with it
  auto ran = pg({"run", "pipeline.yaml"});
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
}

TEST_F(PostgresStoreTest, ARunWhoseHeartbeatStoppedOnAnotherHostIsInterrupted) {
  migrate();
  ASSERT_EQ(pg({"run", "pipeline.yaml"}).exit_code, 0);
  auto connection = connect();
  std::string pipeline = pg_value("SELECT id FROM pipelines WHERE name = 'demo'");
  for (const char* row : {"('r-dead', '2026-01-01T00:00:00.000Z')",
                          "('r-alive', to_char(now() AT TIME ZONE 'UTC', "
                          "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"}) {
    ASSERT_TRUE(connection
                    ->execute("INSERT INTO runs (id, pipeline_id, pipeline_file, pipeline_hash, "
                              "status, params_json, host, \"user\", mlops_version, owner_pid, "
                              "started_at, heartbeat_at) SELECT v.id, " +
                              pipeline +
                              ", 'p.yaml', 'h', 'running', '{}', 'another-host', 'ann', '0', 1, "
                              "'2026-01-01T00:00:00.000Z', v.beat FROM (VALUES " +
                              row + ") v(id, beat)")
                    .ok());
  }
  auto runs = pg({"runs", "--status", "running"});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.err.find("r-dead"), std::string::npos) << runs.err;
  EXPECT_EQ(pg_value("SELECT status FROM runs WHERE id = 'r-dead'"), "interrupted");
  EXPECT_EQ(pg_value("SELECT status FROM runs WHERE id = 'r-alive'"), "running");
}

TEST_F(PostgresStoreTest, ARunningRunWritesItsHeartbeat) {
  migrate();
  ws.write("slow.yaml", R"(version: 1
name: slow
stages:
  wait: {run: sleep 1}
)");
  auto ran = pg({"run", "slow.yaml"}, {"MLOPS_ENABLE_TEST_HOOKS=1", "MLOPS_TEST_HEARTBEAT_MS=100"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  // Beats every 100 ms while the stage sleeps: the last one is well after the start.
  std::string started = pg_value("SELECT started_at FROM runs");
  std::string beat = pg_value("SELECT heartbeat_at FROM runs");
  EXPECT_GT(beat, started);
  auto since = pg_value(
      "SELECT EXTRACT(EPOCH FROM (heartbeat_at::timestamptz - started_at::timestamptz)) FROM runs");
  EXPECT_GE(std::stod(since), 0.5) << started << " " << beat;
}

TEST_F(PostgresStoreTest, StoreCopyFromSqliteToPostgresAndBackKeepsEveryTable) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);  // into .mlops/store.db
  ASSERT_EQ(mlops({"run", "pipeline.yaml", "--force"}).exit_code, 0);
  migrate();
  auto to_pg = pg({"store", "copy", "--from", ".mlops/store.db", "--to", locator, "--json"});
  ASSERT_EQ(to_pg.exit_code, 0) << to_pg.err;
  auto back = pg({"store", "copy", "--from", locator, "--to", "copy.db", "--json"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  // The same rows and digests on all three (the JSON differs only in the stores' names).
  auto tables = [](const std::string& json) {
    size_t from = json.find("\"tables\"");
    return json.substr(from, json.find("\"to\"", from) - from);
  };
  EXPECT_EQ(tables(to_pg.out), tables(back.out));
  EXPECT_NE(to_pg.out.find("\"rows\": 4"), std::string::npos) << to_pg.out;  // executions
  auto runs = run_mlops({"runs", "--store", "copy.db"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  auto text = pg({"store", "copy", "--from", ".mlops/store.db", "--to", locator});
  EXPECT_EQ(text.exit_code, 2);  // not empty any more
  EXPECT_NE(text.err.find("is not empty"), std::string::npos) << text.err;
  // New rows after a copy get new ids (the sequences moved past the copied ones).
  EXPECT_EQ(pg({"run", "pipeline.yaml", "--force"}).exit_code, 0);
}

TEST_F(PostgresStoreTest, TriggersTheRegistryAndFeatureGroupCommitsWork) {
  migrate();
  ws.write("trig.yaml", R"(version: 1
name: trig
triggers:
  data: {paths: ["data/*.csv"], settle: 0s}
stages:
  count:
    run: cat data/*.csv | wc -l > count.txt
    deps: [data]
    outs: [count.txt]
)");
  ws.write("data/a.csv", "1\n");
  auto first = pg({"trigger", "check", "trig.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string before = pg_value("SELECT count(*) FROM runs");
  ws.write("data/b.csv", "2\n");
  auto fired = pg({"trigger", "check", "trig.yaml"});
  ASSERT_EQ(fired.exit_code, 0) << fired.err;
  std::string after = pg_value("SELECT count(*) FROM runs");
  EXPECT_EQ(std::stoi(after), std::stoi(before) + 1) << fired.out;
  EXPECT_EQ(pg_value("SELECT count(*) FROM trigger_state WHERE pipeline = 'trig'"), "1");
  EXPECT_EQ(pg({"trigger", "check", "trig.yaml"}).exit_code, 0);
  EXPECT_EQ(pg_value("SELECT count(*) FROM runs"), after);  // nothing new: no other run

  // The registry: versions numbered by the store, the alias moved by compare-and-swap.
  auto store = SqlStore::open(locator);
  ASSERT_TRUE(store.ok()) << store.error().message();
  for (const char* digest : {"d1", "d2"}) {
    ModelVersionRecord version;
    version.model = "churn";
    version.path = "model.pkl";
    version.kind = "file";
    version.digest = digest;
    version.created_at = "2026-12-01T00:00:00.000Z";
    ASSERT_TRUE((*store)->register_model_version(version).ok());
  }
  auto promoted = pg({"models", "promote", "churn", "1", "--alias", "champion", "--force",
                      "--reason", "first", "--expect-current", "none"});
  EXPECT_EQ(promoted.exit_code, 0) << promoted.err;
  auto raced = pg({"models", "promote", "churn", "2", "--alias", "champion", "--force", "--reason",
                   "late", "--expect-current", "none"});
  EXPECT_EQ(raced.exit_code, 2);
  EXPECT_NE(raced.err.find("alias moved concurrently"), std::string::npos) << raced.err;

  // A feature-group commit is recorded as an artifact of the run that ingested it.
  ws.write("fg.yaml", R"(version: 1
name: features
feature_groups:
  customers:
    primary_key: {customer_id: int}
    event_time: ts
    features: {tenure: int}
stages:
  featurize:
    run: cp raw.csv features.csv
    deps: [raw.csv]
    outs: [{path: features.csv, feature_group: customers}]
)");
  ws.write("raw.csv", "customer_id,ts,tenure\n1,2026-01-01T00:00:00Z,5\n");
  auto ingested = pg({"run", "fg.yaml"});
  ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
  EXPECT_EQ(pg_value("SELECT count(*) FROM artifacts WHERE kind = 'feature_group_commit'"), "1");
  auto lineage = pg({"lineage", "fg://customers/v1@1"});
  EXPECT_EQ(lineage.exit_code, 0) << lineage.err;
}

TEST_F(PostgresStoreTest, EightConcurrentRunsOfDifferentPipelinesLoseNothing) {
  migrate();
  constexpr int k_pipelines = 8;
  constexpr int k_stages = 20;
  for (int p = 0; p < k_pipelines; ++p) {
    std::string yaml = "version: 1\nname: p" + std::to_string(p) + "\nstages:\n";
    for (int s = 0; s < k_stages; ++s) {
      std::string out = "out/p" + std::to_string(p) + "-" + std::to_string(s) + ".txt";
      yaml += "  s" + std::to_string(s) + ": {run: 'mkdir -p out && echo " + std::to_string(s) +
              " > " + out + "', outs: [" + out + "]}\n";
    }
    ws.write("p" + std::to_string(p) + ".yaml", yaml);
  }
  std::vector<std::thread> threads;
  std::vector<CommandResult> results(k_pipelines);
  for (int p = 0; p < k_pipelines; ++p) {
    threads.emplace_back([&, p] {
      results[static_cast<size_t>(p)] = pg({"run", "p" + std::to_string(p) + ".yaml", "-q"});
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const auto& result : results) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err.find("warning"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("error"), std::string::npos) << result.err;
  }
  EXPECT_EQ(pg_value("SELECT count(*) FROM runs WHERE status = 'succeeded'"),
            std::to_string(k_pipelines));
  EXPECT_EQ(pg_value("SELECT count(*) FROM executions WHERE status = 'succeeded'"),
            std::to_string(k_pipelines * k_stages));
  EXPECT_EQ(pg_value("SELECT count(*) FROM artifacts"), std::to_string(k_pipelines * k_stages));
}

}  // namespace
}  // namespace mlops::e2e
