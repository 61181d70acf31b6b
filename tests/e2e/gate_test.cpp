// Gates through real runs (docs/registry.md, "Gates"): a training stage registers a version of
// `churn`, the evaluation stage's gate judges it against `champion` and promotes it on a pass, a
// deploy stage copies `${models.churn@champion}`. Every outcome is checked in the output, the exit
// code and the store.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

// GATE is replaced by each test's gate block.
constexpr const char* k_pipeline = R"(version: 1
name: training
params: {v: 1}
stages:
  train:
    run: mkdir -p models && echo "model ${params.v}" > models/model.pkl
    outs: [{path: models/model.pkl, model: churn}]
  evaluate:
    run: mkdir -p eval && cp candidate.json eval/metrics.json
    deps: [models/model.pkl, candidate.json]
    metrics: [eval/metrics.json]
    gate:
GATE
  deploy:
    run: mkdir -p deploy && cp ${models.churn@champion} deploy/model.pkl
    outs: [deploy/model.pkl]
)";

constexpr const char* k_champion_gate = R"(      model: churn
      baseline: champion
      checks:
        - {metric: auc, direction: higher, min: 0.5, max_regression: 0}
        - {metric: rows, direction: higher, min: 1000}
      on_pass: {promote: champion})";

class GateTest : public WorkspaceTest {
 protected:
  void write_pipeline(const std::string& gate) {
    std::string text = k_pipeline;
    text.replace(text.find("GATE"), 4, gate);
    ws.write("pipeline.yaml", text);
  }
  // Trains model bytes "model V" whose evaluation writes `metrics`.
  CommandResult train(int v, const std::string& metrics, std::vector<std::string> extra = {}) {
    ws.write("candidate.json", metrics);
    std::vector<std::string> args = {"run", "pipeline.yaml", "-p", "v=" + std::to_string(v)};
    args.insert(args.end(), extra.begin(), extra.end());
    return mlops(args);
  }
  static std::string auc(double value, int rows = 2000) {
    return "{\"auc\": " + std::to_string(value) + ", \"rows\": " + std::to_string(rows) + "}";
  }
  std::string champion() {
    return store_value(
        "SELECT IFNULL((SELECT a.version FROM model_aliases a JOIN models m ON m.id = "
        "a.model_id WHERE m.name = 'churn' AND a.alias = 'champion'), '')");
  }
  std::string all(const CommandResult& result) { return result.out + result.err; }
};

TEST_F(GateTest, TheFirstCandidateIsAcceptedWithoutABaselineAndPromoted) {
  write_pipeline(k_champion_gate);
  auto run = train(1, auc(0.8));
  ASSERT_EQ(run.exit_code, 0) << all(run);
  EXPECT_NE(all(run).find("model churn v1 accepted without a baseline (champion holds no "
                          "version); now churn@champion"),
            std::string::npos)
      << all(run);
  EXPECT_EQ(champion(), "1");
  EXPECT_EQ(ws.read("deploy/model.pkl"), "model 1\n");
  EXPECT_EQ(store_value("SELECT verdict FROM gate_results"), "passed_without_baseline");
  EXPECT_EQ(
      store_value("SELECT action || ' ' || IFNULL(from_version, 'none') || '->' || "
                  "to_version || ' ' || (run_id = '" +
                  latest_run() + "') || ' ' || (gate_result_id IS NOT NULL) FROM alias_history"),
      "gate none->1 1 1");
  // The version points at the execution that wrote it: lineage works from the model.
  EXPECT_EQ(store_value("SELECT stage || ' ' || path FROM model_versions"),
            "train models/model.pkl");
  auto lineage = mlops({"lineage", "deploy/model.pkl", "--depth", "4"});
  ASSERT_EQ(lineage.exit_code, 0) << lineage.err;
  EXPECT_NE(lineage.out.find("read .mlops/models/churn@champion"), std::string::npos)
      << lineage.out;
  EXPECT_NE(lineage.out.find("the bytes of model churn v1, registered from models/model.pkl"),
            std::string::npos)
      << lineage.out;
  EXPECT_NE(lineage.out.find("written by train in run"), std::string::npos) << lineage.out;
  EXPECT_EQ(lineage.out.find("no stage wrote it"), std::string::npos) << lineage.out;
}

TEST_F(GateTest, AWorseCandidateIsRejectedWithExit3AndNothingDownstreamRuns) {
  write_pipeline(k_champion_gate);
  ASSERT_EQ(train(1, auc(0.8)).exit_code, 0);
  auto run = train(2, auc(0.7));
  EXPECT_EQ(run.exit_code, 3) << all(run);
  std::string out = all(run);
  EXPECT_NE(out.find("REJECTED evaluate: model churn v2 rejected by the gate"), std::string::npos)
      << out;
  EXPECT_NE(out.find("FAIL auc 0.7 vs baseline 0.8: regression 0.1 misses max_regression 0"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("pass rows 2000 >= min 1000"), std::string::npos) << out;
  EXPECT_NE(out.find("gate rejected: evaluate did not accept model churn"), std::string::npos)
      << out;
  EXPECT_NE(out.find("rejected: 1 model gate said no"), std::string::npos) << out;
  std::string run_id = latest_run();
  EXPECT_EQ(store_value("SELECT status FROM runs WHERE id = '" + run_id + "'"), "rejected");
  EXPECT_EQ(store_value("SELECT status FROM executions WHERE run_id = '" + run_id +
                        "' AND stage = 'evaluate'"),
            "rejected");
  EXPECT_EQ(store_value("SELECT count(*) FROM executions WHERE run_id = '" + run_id +
                        "' AND stage = 'deploy' AND status = 'succeeded'"),
            "0");
  // The candidate is a version (with its failed gate result); the champion did not move.
  EXPECT_EQ(store_value("SELECT group_concat(verdict, ',') FROM (SELECT verdict FROM "
                        "gate_results ORDER BY id)"),
            "passed_without_baseline,failed");
  EXPECT_EQ(store_value("SELECT count(*) FROM model_versions"), "2");
  EXPECT_EQ(champion(), "1");
  EXPECT_EQ(ws.read("deploy/model.pkl"), "model 1\n");
  // ... and a promotion of the rejected version is refused without --force.
  auto promote = mlops({"models", "promote", "churn", "2", "--alias", "champion"});
  EXPECT_EQ(promote.exit_code, 2) << promote.err;
}

TEST_F(GateTest, ABetterCandidateIsPromotedAndTheDeployStageRunsAgain) {
  write_pipeline(k_champion_gate);
  ASSERT_EQ(train(1, auc(0.8)).exit_code, 0);
  auto run = train(2, auc(0.85));
  ASSERT_EQ(run.exit_code, 0) << all(run);
  EXPECT_EQ(champion(), "2");
  EXPECT_EQ(ws.read("deploy/model.pkl"), "model 2\n");
  EXPECT_EQ(store_value("SELECT verdict FROM gate_results ORDER BY id DESC LIMIT 1"), "passed");
  auto resolve = mlops({"models", "resolve", "churn@champion"});
  EXPECT_EQ(resolve.out, "2\n") << resolve.out << resolve.err;
}

TEST_F(GateTest, OnMissingBaselineFailRejectsTheFirstCandidate) {
  write_pipeline(R"(      model: churn
      baseline: champion
      on_missing_baseline: fail
      checks:
        - {metric: auc, direction: higher, max_regression: 0.01}
      on_pass: {promote: champion})");
  auto run = train(1, auc(0.9));
  EXPECT_EQ(run.exit_code, 3) << all(run);
  EXPECT_NE(all(run).find("on_missing_baseline: fail"), std::string::npos) << all(run);
  EXPECT_EQ(champion(), "");
}

TEST_F(GateTest, AMissingANaNOrATextMetricFailsTheGate) {
  write_pipeline(R"(      model: churn
      baseline: none
      checks:
        - {metric: auc, direction: higher, min: 0.5}
      on_pass: {promote: champion})");
  struct Case {
    const char* metrics;
    const char* says;
  };
  int v = 0;
  for (const Case& c :
       {Case{R"({"accuracy": 0.9})", "FAIL auc is missing from the metrics file"},
        Case{R"({"auc": NaN})", "FAIL auc is NaN"},
        Case{R"({"auc": "0.9"})", "FAIL auc is not a number in the metrics file"}}) {
    auto run = train(++v, c.metrics);
    EXPECT_EQ(run.exit_code, 3) << c.metrics << "\n" << all(run);
    EXPECT_NE(all(run).find(c.says), std::string::npos) << c.metrics << "\n" << all(run);
  }
  EXPECT_EQ(champion(), "");
  // A metrics file that is not JSON at all is the stage's failure (exit 1), naming the file.
  auto broken = train(++v, "{\"auc\": 0.9");
  EXPECT_EQ(broken.exit_code, 1) << all(broken);
  EXPECT_NE(all(broken).find("'eval/metrics.json' is not JSON"), std::string::npos) << all(broken);
}

TEST_F(GateTest, EverySliceMustPassAndAGlobMatchingNoSliceFails) {
  write_pipeline(R"(      model: churn
      baseline: none
      checks:
        - {metric: auc, direction: higher, slices: "region=*", min: 0.6}
      on_pass: {promote: champion})");
  auto run = train(1, R"({"slices": {"region=eu": {"auc": 0.9}, "region=us": {"auc": 0.55},
                          "plan=basic": {"auc": 0.1}}})");
  EXPECT_EQ(run.exit_code, 3) << all(run);
  EXPECT_NE(all(run).find("pass slices.region=eu.auc 0.9 >= min 0.6"), std::string::npos)
      << all(run);
  EXPECT_NE(all(run).find("FAIL slices.region=us.auc 0.55"), std::string::npos) << all(run);
  EXPECT_EQ(all(run).find("plan=basic"), std::string::npos) << all(run);

  auto none = train(2, R"({"slices": {"plan=basic": {"auc": 0.9}}})");
  EXPECT_EQ(none.exit_code, 3) << all(none);
  EXPECT_NE(all(none).find("region=*"), std::string::npos) << all(none);

  auto pass = train(3, R"({"slices": {"region=eu": {"auc": 0.9}, "region=us": {"auc": 0.7}}})");
  EXPECT_EQ(pass.exit_code, 0) << all(pass);
  EXPECT_EQ(champion(), "3");
}

TEST_F(GateTest, ARollbackIsNotUndoneByRunningThePipelineAgain) {
  write_pipeline(k_champion_gate);
  ASSERT_EQ(train(1, auc(0.8)).exit_code, 0);
  ASSERT_EQ(train(2, auc(0.9)).exit_code, 0);
  ASSERT_EQ(champion(), "2");
  auto rollback = mlops({"models", "rollback", "churn", "--alias", "champion", "--reason", "bad"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  ASSERT_EQ(champion(), "1");
  // Nothing changed for train and evaluate: the gate's verdict stands, but it does not move the
  // alias back to v2; deploy runs again because the alias moved.
  auto again = train(2, auc(0.9));
  ASSERT_EQ(again.exit_code, 0) << all(again);
  EXPECT_EQ(champion(), "1");
  EXPECT_EQ(ws.read("deploy/model.pkl"), "model 1\n");
  EXPECT_EQ(store_value("SELECT count(*) FROM alias_history"), "3") << all(again);
}

TEST_F(GateTest, AnAliasNoVersionHoldsFailsTheStageThatNeedsIt) {
  write_pipeline(R"(      model: churn
      baseline: none
      checks:
        - {metric: auc, direction: higher, min: 0.95}
      on_pass: {promote: champion})");
  auto run = train(1, auc(0.9));
  // The gate rejects: deploy is skipped, not failed.
  EXPECT_EQ(run.exit_code, 3) << all(run);
  std::string text = ws.read("pipeline.yaml");
  text.replace(text.find("churn@champion"), 14, "churn@staging");
  ws.write("pipeline.yaml", text);
  ws.write("candidate.json", auc(0.99));
  auto staged = mlops({"run", "pipeline.yaml", "-p", "v=2"});
  EXPECT_EQ(staged.exit_code, 1) << all(staged);
  EXPECT_NE(all(staged).find("no version of model 'churn' holds alias 'staging'; promote a "
                             "version (mlops models promote churn VERSION --alias staging)"),
            std::string::npos)
      << all(staged);
}

TEST_F(GateTest, JUnitTheGitHubSummaryAndTheHtmlReportShowEachCheck) {
  write_pipeline(k_champion_gate);
  ASSERT_EQ(train(1, auc(0.8)).exit_code, 0);
  ws.write("summary.md", "");
  auto run =
      run_mlops({"run", "pipeline.yaml", "-p", "v=2", "--junit", "junit.xml"},
                {ws.path(),
                 {"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + (ws / "summary.md").string()},
                 std::nullopt});
  (void)run;
  ws.write("candidate.json", auc(0.7));
  run = run_mlops({"run", "pipeline.yaml", "-p", "v=3", "--junit", "junit.xml"},
                  {ws.path(),
                   {"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + (ws / "summary.md").string()},
                   std::nullopt});
  ASSERT_EQ(run.exit_code, 3) << all(run);
  std::string junit = ws.read("junit.xml");
  EXPECT_NE(junit.find("type=\"GateRejected\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("regression 0.1 misses max_regression 0"), std::string::npos) << junit;
  std::string summary = ws.read("summary.md");
  EXPECT_NE(summary.find("| `auc` | max_regression | 0.7 | 0.8 | 0 | ❌ fail |"), std::string::npos)
      << summary;
  EXPECT_NE(run.out.find("::error"), std::string::npos) << run.out;

  auto report = mlops({"report", "latest", "-o", "report.html"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::string html = ws.read("report.html");
  EXPECT_NE(html.find("Model gates"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>auc</td><td>max_regression</td><td>0.7</td><td>0.8</td><td>0</td>"
                      "<td>fail</td></tr>"),
            std::string::npos)
      << html;
}

}  // namespace
}  // namespace mlops::e2e
