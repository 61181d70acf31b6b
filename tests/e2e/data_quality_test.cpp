// mlops data profile|drift, and the built-in stages uses: profile|drift in pipelines: exit codes,
// the documents they write, and what the store records (rejected runs, typed artifacts, metrics).
#include <cmath>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace mlops::e2e {
namespace {

using nlohmann::json;

// A CSV of `rows` rows: id, a normal amount (mean `shift`), a country from a small set.
std::string generated_csv(int rows, double shift, unsigned seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> normal(100 + shift, 15);
  const char* countries[] = {"SE", "NO", "DK", "FI"};
  std::string text = "id,amount,country\n";
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(i) + "," + std::to_string(normal(random)) + "," +
            countries[random() % 4] + "\n";
  }
  return text;
}

class DataQualityTest : public WorkspaceTest {};

TEST_F(DataQualityTest, ProfilePrintsASummaryAndWritesTheDocument) {
  ws.write("data.csv", "a,b\n1,x\n2,\n3,y\nbad\n4,\"z,w\"\n");
  CommandResult r = mlops({"data", "profile", "data.csv", "-o", "profile.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("data.csv: 4 rows, 2 columns, 1 malformed rows"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("line 5: "), std::string::npos) << r.out;
  json doc = json::parse(ws.read("profile.json"));
  EXPECT_EQ(doc["schema"], "mlops.profile/1");
  EXPECT_EQ(doc["rows"], 4);
  EXPECT_EQ(doc["columns"][0]["type"], "int");
  EXPECT_EQ(doc["columns"][1]["nulls"], 1);
  EXPECT_EQ(doc["columns"][1]["values"]["z,w"], 1);
}

TEST_F(DataQualityTest, ProfileOfAMissingFileExits2AndSaysWhich) {
  CommandResult r = mlops({"data", "profile", "nope.csv"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.csv"), std::string::npos) << r.err;
}

TEST_F(DataQualityTest, DriftExits3OnDriftAnd0OtherwiseAndRecordsEveryMeasure) {
  ws.write("train.csv", generated_csv(5000, 0, 1));
  ws.write("same.csv", generated_csv(5000, 0, 2));
  ws.write("moved.csv", generated_csv(5000, 15, 3));
  ASSERT_EQ(mlops({"data", "profile", "train.csv", "-o", "train.json"}).exit_code, 0);
  CommandResult same = mlops({"data", "drift", "--reference", "train.json", "--current", "same.csv",
                              "-o", "same-drift.json"});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  json report = json::parse(ws.read("same-drift.json"));
  EXPECT_EQ(report["dataset"]["drift"], false);
  EXPECT_TRUE(report["columns"][1]["psi"].is_number());  // recorded though no threshold tripped
  CommandResult moved = mlops({"data", "drift", "--reference", "train.csv", "--current",
                               "moved.csv", "--critical", "amount", "--json"});
  EXPECT_EQ(moved.exit_code, 3) << moved.err;
  json drifted = json::parse(moved.out);
  EXPECT_EQ(drifted["dataset"]["drift"], true);
  EXPECT_EQ(drifted["columns"][1]["column"], "amount");
  EXPECT_EQ(drifted["columns"][1]["status"], "drift");
  EXPECT_EQ(mlops({"data", "drift", "--reference", "train.csv", "--current", "moved.csv",
                   "--critical", "amount", "--report-only"})
                .exit_code,
            0);
}

TEST_F(DataQualityTest, TamperedProfileIsRefused) {
  ws.write("train.csv", generated_csv(100, 0, 1));
  ASSERT_EQ(mlops({"data", "profile", "train.csv", "-o", "p.json"}).exit_code, 0);
  std::string text = ws.read("p.json");
  text.replace(text.find("\"rows\": 100"), 11, "\"rows\": 999");
  ws.write("p.json", text);
  CommandResult r = mlops({"data", "drift", "--reference", "p.json", "--current", "train.csv"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("p.json: not a usable profile"), std::string::npos) << r.err;
}

const char* k_monitoring = R"(version: 1
name: monitor
stages:
  profile_train:
    uses: profile
    with: {data: data/train.csv}
  drift:
    uses: drift
    with: {reference: reports/profile_train/profile.json, current: data/serving.csv,
           critical: [amount]}
  retrain:
    run: "echo retrain > retrained.txt"
    deps: [reports/drift/drift.json]
    outs: [retrained.txt]
)";

TEST_F(DataQualityTest, DriftStageRejectsTheRunWithExit3AndKeepsItsReport) {
  ws.write("pipeline.yaml", k_monitoring);
  ws.write("data/train.csv", generated_csv(3000, 0, 1));
  ws.write("data/serving.csv", generated_csv(3000, 20, 2));
  CommandResult r = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("REJECTED drift"), std::string::npos) << r.err;
  EXPECT_FALSE(ws.exists("retrained.txt"));
  EXPECT_TRUE(ws.exists("reports/drift/drift.json"));
  std::string run = latest_run();
  EXPECT_EQ(store_value("SELECT status FROM runs WHERE id = '" + run + "'"), "rejected");
  EXPECT_EQ(store_value("SELECT status FROM executions WHERE stage = 'drift'"), "rejected");
  EXPECT_EQ(store_value("SELECT kind FROM artifacts WHERE path = 'reports/drift/drift.json'"),
            "drift");
  EXPECT_EQ(store_value("SELECT kind FROM artifacts WHERE path = "
                        "'reports/profile_train/profile.json'"),
            "profile");
  EXPECT_EQ(store_value("SELECT value FROM metrics m JOIN executions x ON x.id = m.execution_id "
                        "WHERE x.stage = 'drift' AND m.key = 'drift.detected'"),
            "1.0");
  double psi = std::stod(store_value("SELECT value FROM metrics WHERE key = 'drift.amount.psi'"));
  EXPECT_GT(psi, 0.25);
  EXPECT_EQ(store_value("SELECT value FROM metrics WHERE key = 'data.rows'"), "3000.0");
  // The input the drift stage read is linked to it.
  EXPECT_EQ(store_value("SELECT count(*) FROM events e JOIN executions x ON x.id = e.execution_id "
                        "JOIN artifacts a ON a.id = e.artifact_id WHERE x.stage = 'drift' AND "
                        "e.direction = 'input' AND a.path = 'data/serving.csv'"),
            "1");
}

TEST_F(DataQualityTest, DriftStagePassesWhenTheDataDidNotMove) {
  ws.write("pipeline.yaml", k_monitoring);
  ws.write("data/train.csv", generated_csv(3000, 0, 1));
  ws.write("data/serving.csv", generated_csv(3000, 0, 2));
  CommandResult r = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(ws.exists("retrained.txt"));
  EXPECT_EQ(store_value("SELECT status FROM runs"), "succeeded");
}

TEST_F(DataQualityTest, BuiltinStageErrorsPointAtTheLine) {
  ws.write("pipeline.yaml", R"(version: 1
name: bad
stages:
  p:
    uses: profil
    with: {data: x.csv}
  q:
    uses: drift
    with: {reference: a.csv, curent: b.csv}
)");
  CommandResult r = mlops({"check", "pipeline.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("pipeline.yaml:5:11: error: unknown built-in stage 'uses: profil' in stage "
                       "'p' (did you mean 'profile'?)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("pipeline.yaml:9:30: error: unknown argument 'curent' of 'uses: drift'"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace mlops::e2e

namespace mlops::e2e {
namespace {

std::string ids_csv(int rows) {
  std::string text = "id\n";
  for (int i = 0; i < rows; ++i)
    text += std::to_string(i) + "\n";
  return text;
}

// A pipeline whose one stage validates data/batch.csv with a history check on its row count
// (within +-50 % of the last accepted batch).
void write_history_pipeline(Workspace& ws) {
  ws.write("pipeline.yaml", R"(version: 1
name: ingest
stages:
  check:
    uses: validate
    with: {data: data/batch.csv, rules: rules.yaml}
)");
  ws.write("rules.yaml", R"(version: 1
dataset:
  - history: {metric: rows, max_increase: 0.5, max_decrease: 0.5}
)");
}

TEST_F(DataQualityTest, HistoryChecksCompareWithAcceptedRunsOnly) {
  write_history_pipeline(ws);
  ws.write("data/batch.csv", ids_csv(100));
  CommandResult first = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;  // no history yet: skipped
  ws.write("data/batch.csv", ids_csv(1000));
  CommandResult jump = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(jump.exit_code, 3) << jump.out << jump.err;  // 10x the last accepted batch
  EXPECT_EQ(store_value("SELECT status FROM runs ORDER BY started_at DESC LIMIT 1"), "rejected");
  ws.write("data/batch.csv", ids_csv(120));
  CommandResult back = mlops({"run", "pipeline.yaml"});
  // Compared with the accepted 100 rows, not the rejected 1000: +20 % is within bounds.
  EXPECT_EQ(back.exit_code, 0) << back.out << back.err;
  json report = json::parse(ws.read("reports/check/validation.json"));
  EXPECT_NE(report.dump().find("\"history_runs\":1"), std::string::npos) << report.dump();
}

// `mlops run --store X`: the built-in stage reads its history from X, the store the run records
// into, not from the workspace's default store (which does not even exist here).
TEST_F(DataQualityTest, HistoryChecksReadTheStoreTheRunRecordsInto) {
  write_history_pipeline(ws);
  ws.write("data/batch.csv", ids_csv(100));
  CommandResult first = mlops({"run", "pipeline.yaml", "--store", "elsewhere/meta.db"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  ws.write("data/batch.csv", ids_csv(1000));
  CommandResult jump = mlops({"run", "pipeline.yaml", "--store", "elsewhere/meta.db"});
  EXPECT_EQ(jump.exit_code, 3) << jump.out << jump.err;
  EXPECT_NE(jump.out.find("FAIL    dataset.history.rows.change"), std::string::npos) << jump.out;
  EXPECT_FALSE(ws.exists(".mlops/store.db"));
}

}  // namespace
}  // namespace mlops::e2e
