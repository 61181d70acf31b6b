// The feature store through the real binary (docs/feature-store.md): `mlops fg` and
// `mlops dataset` on groups a pipeline declares, ingestion of stage outs as commits, datasets
// as recorded executions, the feature-group trigger, lineage through commits, and the
// acceptance cases that need processes (concurrent writers, kill -9 mid-insert).
#include <signal.h>
#include <unistd.h>

#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_groups = R"(version: 1
name: features
feature_groups:
  customers:
    primary_key: {customer_id: int}
    event_time: ts
    online: true
    ttl: 30d
    features:
      tenure: int
      charges: float
      plan: string
stages:
  featurize:
    run: cp raw.csv features.csv
    deps: [raw.csv]
    outs: [{path: features.csv, feature_group: customers}]
)";

class FeatureStoreTest : public WorkspaceTest {
 protected:
  void SetUp() override { ws.write("pipeline.yaml", k_groups); }
  CommandResult fg(std::vector<std::string> args) {
    args.insert(args.begin(), "fg");
    args.push_back("--pipeline");
    args.push_back("pipeline.yaml");
    return mlops(args);
  }
  std::string fg_value(const std::string& sql) {
    return query_value(ws / ".mlops/fs/customers/v1.db", sql);
  }
};

TEST_F(FeatureStoreTest, InsertReadChangesAndGet) {
  ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n"
                    "2,2024-01-01,5,20,pro\n");
  auto inserted = fg({"insert", "customers", "a.csv", "-m", "first"});
  ASSERT_EQ(inserted.exit_code, 0) << inserted.err;
  EXPECT_NE(inserted.out.find("commit 1 "), std::string::npos) << inserted.out;
  EXPECT_NE(inserted.out.find("+2 ~0 -0"), std::string::npos) << inserted.out;
  ws.write("b.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,11.5,basic\n"
                    "1,2023-12-01,2,9,basic\n");
  auto corrected = fg({"insert", "customers", "b.csv", "--json"});
  ASSERT_EQ(corrected.exit_code, 0) << corrected.err;
  EXPECT_NE(corrected.out.find("\"rows_updated\": 1"), std::string::npos) << corrected.out;
  EXPECT_NE(corrected.out.find("\"rows_inserted\": 1"), std::string::npos) << corrected.out;

  auto old = fg({"read", "customers", "--as-of", "1"});
  EXPECT_EQ(old.out, "customer_id,ts,tenure,charges,plan\n1,2024-01-01T00:00:00Z,3,10.5,basic\n"
                     "2,2024-01-01T00:00:00Z,5,20,pro\n");
  auto now = fg({"read", "customers"});
  EXPECT_NE(now.out.find("1,2024-01-01T00:00:00Z,3,11.5,basic"), std::string::npos) << now.out;
  auto changes = fg({"changes", "customers", "--since", "1"});
  EXPECT_NE(changes.out.find("1,2023-12-01T00:00:00Z,2,9,basic,2,"), std::string::npos)
      << changes.out;  // a late row is a change of the commit that wrote it
  EXPECT_NE(changes.out.find(",update\n"), std::string::npos);
  auto get = fg({"get", "customers", "1", "--json"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_NE(get.out.find("\"charges\": \"11.5\""), std::string::npos) << get.out;
  auto missing = fg({"get", "customers", "7"});
  EXPECT_EQ(missing.out, "missing\n");
  auto stats = fg({"stats", "customers", "--commit", "1", "--json"});
  EXPECT_NE(stats.out.find("\"mean\": 15.25"), std::string::npos) << stats.out;
}

TEST_F(FeatureStoreTest, BadInputIsRefusedWithFileAndLineAndNoCommit) {
  ws.write("bad.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n"
                      "2,not-a-time,5,20,pro\n");
  auto refused = fg({"insert", "customers", "bad.csv"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("bad.csv:3: column 'ts': 'not-a-time' is not an event time"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(fg_value("SELECT count(*) FROM commit_log"), "0");
  EXPECT_EQ(fg({"read", "customers", "--as-of", "99"}).exit_code, 2);
}

TEST_F(FeatureStoreTest, StrictValidationFailureLeavesNoCommitAndExitsThree) {
  ws.write("rules.yaml", "version: 1\ncolumns:\n  charges: {range: [0, 100]}\n");
  ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,1000,basic\n");
  auto rejected = fg({"insert", "customers", "a.csv", "--rules", "rules.yaml"});
  EXPECT_EQ(rejected.exit_code, 3) << rejected.out << rejected.err;
  EXPECT_EQ(fg_value("SELECT count(*) FROM commit_log"), "0");
  auto kept = fg({"insert", "customers", "a.csv", "--rules", "rules.yaml", "--policy", "always"});
  EXPECT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_EQ(fg_value("SELECT count(*) FROM commit_log WHERE validation IS NOT NULL"), "1");
}

TEST_F(FeatureStoreTest, SchemaChangeIsRefusedWithTheDifference) {
  ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n");
  ASSERT_EQ(fg({"insert", "customers", "a.csv"}).exit_code, 0);
  std::string changed = k_groups;
  changed.replace(changed.find("charges: float"), 14, "charges: int");
  ws.write("pipeline.yaml", changed);
  auto refused = fg({"insert", "customers", "a.csv"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("feature 'charges': float → int"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("declare `version: 2`"), std::string::npos) << refused.err;
}

TEST_F(FeatureStoreTest, StageOutIsIngestedOnceAndRecordedAsAnArtifact) {
  ws.write("raw.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n");
  auto first = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(fg_value("SELECT count(*) FROM commit_log"), "1");
  EXPECT_EQ(fg_value("SELECT stage FROM commit_log"), "featurize");
  EXPECT_EQ(store_value("SELECT count(*) FROM artifacts WHERE path = 'fg://customers/v1@1' AND "
                        "kind = 'feature_group_commit'"),
            "1");
  auto again = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(fg_value("SELECT count(*) FROM commit_log"), "1");  // same bytes, no new commit
  ws.write("raw.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-02,4,12,basic\n");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  EXPECT_EQ(fg_value("SELECT count(*) FROM commit_log"), "2");
  EXPECT_EQ(mlops({"checkout", "--run", latest_run()}).exit_code == 2, false);
}

TEST_F(FeatureStoreTest, ConcurrentInsertsSerializeWithoutLockErrors) {
  std::string rows = "customer_id,ts,tenure,charges,plan\n";
  for (int i = 0; i < 20000; ++i) {
    rows += std::to_string(i) + ",2024-01-01," + std::to_string(i % 50) + ",1.5,basic\n";
  }
  ws.write("big.csv", rows);
  ASSERT_EQ(fg({"create", "customers"}).exit_code, 0);
  std::vector<std::unique_ptr<MlopsProcess>> writers;
  for (int i = 0; i < 4; ++i) {
    writers.push_back(std::make_unique<MlopsProcess>(
        std::vector<std::string>{"fg", "insert", "customers", "big.csv", "--pipeline",
                                 "pipeline.yaml"},
        RunOptions{ws.path(), {}, std::nullopt}));
  }
  for (auto& writer : writers) {
    auto result = writer->wait();
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err.find("locked"), std::string::npos) << result.err;
  }
  EXPECT_EQ(fg_value("SELECT count(*) FROM commit_log"), "4");
  EXPECT_EQ(fg_value("SELECT count(*) FROM data"), "80000");
}

TEST_F(FeatureStoreTest, KillDuringInsertLeavesNoPartialCommit) {
  std::string rows = "customer_id,ts,tenure,charges,plan\n";
  for (int i = 0; i < 200000; ++i) {
    rows += std::to_string(i) + ",2024-01-01," + std::to_string(i % 50) + ",1.5,basic\n";
  }
  ws.write("big.csv", rows);
  ASSERT_EQ(fg({"create", "customers"}).exit_code, 0);
  std::mt19937 random(42);
  for (int attempt = 0; attempt < 8; ++attempt) {
    MlopsProcess writer({"fg", "insert", "customers", "big.csv", "--pipeline", "pipeline.yaml"},
                        RunOptions{ws.path(), {}, std::nullopt});
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 400));
    writer.signal(SIGKILL);
    writer.wait();
    // Every commit is whole: its rows are all there, and nothing belongs to no commit.
    EXPECT_EQ(fg_value("SELECT count(*) FROM data WHERE _commit NOT IN (SELECT id FROM "
                       "commit_log)"),
              "0");
    EXPECT_EQ(fg_value("SELECT count(*) FROM commit_log c WHERE c.rows_inserted + "
                       "c.rows_updated <> (SELECT count(*) FROM data d WHERE d._commit = c.id)"),
              "0");
  }
  ASSERT_EQ(fg({"insert", "customers", "big.csv"}).exit_code, 0);
}

}  // namespace
}  // namespace mlops::e2e
