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
  ws.write("a.csv",
           "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n"
           "2,2024-01-01,5,20,pro\n");
  auto inserted = fg({"insert", "customers", "a.csv", "-m", "first"});
  ASSERT_EQ(inserted.exit_code, 0) << inserted.err;
  EXPECT_NE(inserted.out.find("commit 1 "), std::string::npos) << inserted.out;
  EXPECT_NE(inserted.out.find("+2 ~0 -0"), std::string::npos) << inserted.out;
  ws.write("b.csv",
           "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,11.5,basic\n"
           "1,2023-12-01,2,9,basic\n");
  auto corrected = fg({"insert", "customers", "b.csv", "--json"});
  ASSERT_EQ(corrected.exit_code, 0) << corrected.err;
  EXPECT_NE(corrected.out.find("\"rows_updated\": 1"), std::string::npos) << corrected.out;
  EXPECT_NE(corrected.out.find("\"rows_inserted\": 1"), std::string::npos) << corrected.out;

  auto old = fg({"read", "customers", "--as-of", "1"});
  EXPECT_EQ(old.out,
            "customer_id,ts,tenure,charges,plan\n1,2024-01-01T00:00:00Z,3,10.5,basic\n"
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
  ws.write("bad.csv",
           "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n"
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
  // A commit is not a file: checking out the run restores files only, and does not trip on it.
  auto checkout = mlops({"checkout", latest_run()});
  EXPECT_EQ(checkout.exit_code, 0) << checkout.err;
}

TEST_F(FeatureStoreTest, JsonLinesInputAndNanAsMissing) {
  ws.write("a.jsonl",
           "{\"customer_id\": 1, \"ts\": \"2024-01-01\", \"tenure\": 3}\n"
           "{\"customer_id\": 2, \"ts\": \"2024-01-01\", \"tenure\": 4, "
           "\"charges\": \"nan\", \"plan\": \"pro\"}\n");
  auto inserted = fg({"insert", "customers", "a.jsonl"});
  ASSERT_EQ(inserted.exit_code, 0) << inserted.err;
  EXPECT_EQ(fg({"read", "customers"}).out,
            "customer_id,ts,tenure,charges,plan\n1,2024-01-01T00:00:00Z,3,,\n"
            "2,2024-01-01T00:00:00Z,4,,pro\n");
}

TEST_F(FeatureStoreTest, ReadsNeverChangeTheStoredSchema) {
  ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n");
  ASSERT_EQ(fg({"insert", "customers", "a.csv"}).exit_code, 0);
  std::string typo = k_groups;
  typo.replace(typo.find("      plan: string"), 18, "      plan: string\n      plna: string");
  ws.write("pipeline.yaml", typo);
  EXPECT_EQ(fg({"read", "customers"}).exit_code, 0);
  ws.write("pipeline.yaml", k_groups);
  auto again = fg({"insert", "customers", "a.csv"});
  EXPECT_EQ(again.exit_code, 0) << again.err;  // no "feature 'plna' removed"
}

TEST_F(FeatureStoreTest, SymbolicLinksUnderTheStoreAreRefused) {
  ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n");
  ASSERT_EQ(fg({"insert", "customers", "a.csv"}).exit_code, 0);
  std::filesystem::path outside =
      ws.path().parent_path() / (ws.path().filename().string() + "-out");
  std::filesystem::create_directories(outside);
  std::filesystem::rename(ws / ".mlops/fs/customers", outside / "customers");
  std::filesystem::create_directory_symlink(outside / "customers", ws / ".mlops/fs/customers");
  auto refused = fg({"insert", "customers", "a.csv"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("is a symbolic link"), std::string::npos) << refused.err;
  EXPECT_EQ(query_value(outside / "customers/v1.db", "SELECT count(*) FROM commit_log"), "1");
  std::filesystem::remove_all(outside);
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

// The churn loop in small: features ingested by a stage, a dataset built by a point-in-time
// join, a model trained on it, and a late correction that a dataset pinned earlier does not see.
constexpr const char* k_training = R"(version: 1
name: training
feature_groups:
  customers:
    primary_key: {customer_id: int}
    event_time: ts
    online: true
    features:
      tenure: int
      charges: float
      plan: string
datasets:
  train_set:
    spine: labels.csv
    features: [customers]
    split: {test: 0.5, seed: 11}
    out: data/train
stages:
  featurize:
    run: cp raw.csv features.csv
    deps: [raw.csv]
    outs: [{path: features.csv, feature_group: customers}]
  train:
    run: mkdir -p models && cat data/train/train.csv data/train/test.csv > models/model.pkl
    deps: [data/train]
    outs: [models/model.pkl]
)";

class DatasetTest : public WorkspaceTest {
 protected:
  // consumer.yaml: a pipeline triggered by the group `customers`, whose stage runs `command`.
  void write_consumer(const std::string& command, const std::string& stage_option) {
    ws.write("consumer.yaml",
             "version: 1\nname: consumer\ntriggers:\n"
             "  artifact: {feature_group: customers}\nstages:\n  read:\n"
             "    run: " +
                 command + "\n    " + stage_option + "\n");
  }
  void SetUp() override {
    ws.write("pipeline.yaml", k_training);
    ws.write("raw.csv",
             "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,10.5,basic\n"
             "2,2024-01-01,5,20,pro\n3,2024-01-03,1,7,basic\n");
    std::string labels = "customer_id,ts,churned\n";
    for (int i = 0; i < 40; ++i) {
      labels += std::to_string(1 + i % 3) + ",2024-01-0" + std::to_string(2 + i % 5) + "," +
                std::to_string(i % 2) + "\n";
    }
    ws.write("labels.csv", labels);
  }
  std::string dataset_id() {
    auto list = mlops({"dataset", "list", "--json"});
    auto at = list.out.find("\"id\": \"");
    return at == std::string::npos ? "" : list.out.substr(at + 7, 16);
  }
};

TEST_F(DatasetTest, PipelineBuildsADatasetThatRecreatesByteIdenticallyAfterACorrection) {
  auto first = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  std::string id = dataset_id();
  ASSERT_EQ(id.size(), 16u);
  std::string train = ws.read("data/train/train.csv");
  EXPECT_NE(train.find("customer_id,ts,churned,tenure,charges,plan\n"), std::string::npos);
  EXPECT_NE(ws.read("data/train/test.csv").find(",10.5,basic"), std::string::npos);
  // A late correction of customer 1's value at its event time, as a new commit.
  ws.write("fix.csv", "customer_id,ts,tenure,charges,plan\n1,2024-01-01,3,99.5,basic\n");
  ASSERT_EQ(
      mlops({"fg", "insert", "customers", "fix.csv", "--pipeline", "pipeline.yaml"}).exit_code, 0);
  auto verified = mlops({"dataset", "recreate", id, "--verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_NE(verified.out.find("byte-identical"), std::string::npos) << verified.out;
  // The next run builds a new dataset (the group has a new commit) that sees the correction.
  auto second = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find(".mlops/fs/customers/v1.head (changed)"), std::string::npos)
      << second.out;  // why the dataset is rebuilt; its pinned commits are no deps
  EXPECT_EQ(second.out.find("(removed)"), std::string::npos) << second.out;
  std::string both = ws.read("data/train/train.csv") + ws.read("data/train/test.csv");
  EXPECT_NE(both.find(",99.5,basic"), std::string::npos);
  EXPECT_EQ(both.find(",10.5,basic"), std::string::npos);
  EXPECT_NE(dataset_id(), "");
  // The old dataset still verifies, and compaction may not drop what it pins.
  EXPECT_EQ(mlops({"dataset", "recreate", id, "--verify"}).exit_code, 0);
  auto compact =
      mlops({"fg", "compact", "customers", "--keep-from", "2", "--pipeline", "pipeline.yaml"});
  EXPECT_EQ(compact.exit_code, 2);
  EXPECT_NE(compact.err.find("dataset " + id + " was built from commit 1"), std::string::npos)
      << compact.err;
}

TEST_F(DatasetTest, LineageWalksModelDatasetCommitFeatureRunRawFile) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto lineage = mlops({"lineage", "models/model.pkl"});
  ASSERT_EQ(lineage.exit_code, 0) << lineage.err;
  auto at = [&](const std::string& text) { return lineage.out.find(text); };
  EXPECT_NE(at("read data/train"), std::string::npos) << lineage.out;
  EXPECT_NE(at("read fg://customers/v1@1"), std::string::npos) << lineage.out;
  EXPECT_NE(at("written by featurize"), std::string::npos) << lineage.out;
  EXPECT_NE(at("read raw.csv"), std::string::npos) << lineage.out;
  EXPECT_LT(at("read data/train"), at("read fg://customers/v1@1"));
  EXPECT_LT(at("read fg://customers/v1@1"), at("read raw.csv"));
}

TEST_F(DatasetTest, FeatureGroupTriggerFiresOncePerNewCommitsWithTheRange) {
  write_consumer("echo \"$MLOPS_FG_SINCE_customers..$MLOPS_FG_UNTIL_customers\" >> seen.txt",
                 "cache: false");
  std::vector<std::string> env = {"MLOPS_ENABLE_TEST_HOOKS=1"};
  auto check = [&] {
    return run_mlops({"trigger", "check", "consumer.yaml"}, {ws.path(), env, std::nullopt});
  };
  auto nothing = check();
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_FALSE(ws.exists("seen.txt"));
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto fired = check();
  EXPECT_EQ(fired.exit_code, 0) << fired.err << fired.out;
  EXPECT_EQ(ws.read("seen.txt"), "0..1\n");
  check();
  EXPECT_EQ(ws.read("seen.txt"), "0..1\n");  // never twice for one commit
  ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n4,2024-01-04,1,5,basic\n");
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(
        mlops({"fg", "insert", "customers", "a.csv", "--pipeline", "pipeline.yaml"}).exit_code, 0);
    ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n5,2024-01-04,1,5,basic\n");
  }
  check();
  EXPECT_EQ(ws.read("seen.txt"), "0..1\n1..3\n");
}

TEST_F(DatasetTest, TamperedManifestIsRefusedAndCommitsHaveLineage) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::string id = dataset_id();
  std::string manifest = ".mlops/datasets/" + id + "/manifest.json";
  std::string text = ws.read(manifest);
  text.replace(text.find("\"exclusive\": false"), 18, "\"exclusive\": true");
  ws.write(manifest, text);
  auto refused = mlops({"dataset", "recreate", id, "--verify"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("the manifest was changed after the dataset was built"),
            std::string::npos)
      << refused.err;
  auto lineage = mlops({"lineage", "fg://customers/v1@1"});
  EXPECT_EQ(lineage.exit_code, 0) << lineage.err;
  EXPECT_NE(lineage.out.find("written by featurize"), std::string::npos) << lineage.out;
}

TEST_F(DatasetTest, IncrementalStageRunsAgainForEachNewRange) {
  write_consumer("echo \"$MLOPS_FG_SINCE_customers..$MLOPS_FG_UNTIL_customers\" > range.txt",
                 "outs: [range.txt]");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"trigger", "check", "consumer.yaml"}).exit_code, 0);
  EXPECT_EQ(ws.read("range.txt"), "0..1\n");
  ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n4,2024-01-04,1,5,basic\n");
  ASSERT_EQ(mlops({"fg", "insert", "customers", "a.csv", "--pipeline", "pipeline.yaml"}).exit_code,
            0);
  ASSERT_EQ(mlops({"trigger", "check", "consumer.yaml"}).exit_code, 0);
  EXPECT_EQ(ws.read("range.txt"), "1..2\n");  // not restored from the cache
}

TEST_F(DatasetTest, OneTriggerCheckRunsTheWriterBeforeTheGroupsConsumer) {
  ws.write("pipelines/a-train.yaml", R"(version: 1
name: a-train
triggers:
  artifact: {feature_group: customers}
stages:
  read:
    run: echo "$MLOPS_FG_UNTIL_customers" > seen.txt
    outs: [seen.txt]
)");
  std::string writer = k_training;
  writer.replace(writer.find("name: training"), 14,
                 "name: b-feat\ntriggers:\n  data: {paths: [raw.csv], settle: 0s}");
  ws.write("pipelines/b-feat.yaml", writer);
  auto checked = mlops({"trigger", "check"});
  EXPECT_EQ(checked.exit_code, 0) << checked.err << checked.out;
  EXPECT_LT(checked.out.find("b-feat"), checked.out.find("a-train")) << checked.out;
  EXPECT_EQ(ws.read("seen.txt"), "1\n") << checked.out;
}

TEST_F(DatasetTest, CrashBetweenCommitAndRecordIsReconciledAndTriggersOnce) {
  write_consumer("echo \"$MLOPS_FG_SINCE_customers..$MLOPS_FG_UNTIL_customers\" >> seen.txt",
                 "cache: false");
  auto crashed = run_mlops(
      {"run", "pipeline.yaml"},
      {ws.path(), {"MLOPS_ENABLE_TEST_HOOKS=1", "MLOPS_TEST_DIE_AFTER_FG_COMMIT=1"}, std::nullopt});
  EXPECT_EQ(crashed.exit_code, 137);
  auto fg = [&](const std::string& sql) {
    return query_value(ws / ".mlops/fs/customers/v1.db", sql);
  };
  EXPECT_EQ(fg("SELECT count(*) FROM commit_log"), "1");
  EXPECT_EQ(store_value("SELECT count(*) FROM artifacts WHERE kind = 'feature_group_commit'"), "0");
  ASSERT_EQ(mlops({"trigger", "check", "consumer.yaml"}).exit_code, 0);
  EXPECT_EQ(ws.read("seen.txt"), "0..1\n");
  auto again = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(fg("SELECT count(*) FROM commit_log"), "1");  // the same bytes: no second commit
  EXPECT_EQ(store_value("SELECT count(*) FROM artifacts WHERE path = 'fg://customers/v1@1'"), "1");
  ASSERT_EQ(mlops({"trigger", "check", "consumer.yaml"}).exit_code, 0);
  EXPECT_EQ(ws.read("seen.txt"), "0..1\n");  // never twice
}

TEST_F(DatasetTest, CrashBeforeTheHeadFileStillTriggers) {
  write_consumer("echo \"$MLOPS_FG_UNTIL_customers\" >> seen.txt", "cache: false");
  ws.write("a.csv", "customer_id,ts,tenure,charges,plan\n4,2024-01-04,1,5,basic\n");
  auto crashed = run_mlops(
      {"fg", "insert", "customers", "a.csv", "--pipeline", "pipeline.yaml"},
      {ws.path(), {"MLOPS_ENABLE_TEST_HOOKS=1", "MLOPS_TEST_DIE_BEFORE_FG_HEAD=1"}, std::nullopt});
  EXPECT_EQ(crashed.exit_code, 137);
  ASSERT_EQ(mlops({"trigger", "check", "consumer.yaml"}).exit_code, 0);
  EXPECT_EQ(ws.read("seen.txt"), "1\n");
}

}  // namespace
}  // namespace mlops::e2e
