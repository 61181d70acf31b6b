// The churn example (pipelines/churn-*.yaml, scripts/churn-demo.sh) end to end: data lands, the
// feature pipeline (validated by mlops's own rules) and then the training pipeline run from their
// triggers, incrementally; the training pipeline's gate promotes versions of the model `churn` to
// churn@champion and deploy serves the champion; a broken batch and a weak candidate are rejected
// (exit 3); drifting serving data fires the monitoring pipeline, whose score of the champion on
// labelled production data fires the training pipeline's metric trigger; a rollback redeploys
// the previous champion; the report is written. Needs Debian's python3-pandas and
// python3-sklearn.
#include <cstdio>
#include <cstdlib>
#include <regex>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "util/shell_quote.hpp"

namespace mlops::e2e {
namespace {

// The demo's output from one step header to the next ("" when the header is missing).
class DemoOutput {
 public:
  explicit DemoOutput(std::string out) : m_out(std::move(out)) {}
  std::string step(const std::string& header) const {
    size_t at = m_out.find("== " + header);
    EXPECT_NE(at, std::string::npos) << header << "\n" << m_out;
    if (at == std::string::npos) {
      return "";
    }
    size_t next = m_out.find("\n== ", at + 1);
    return m_out.substr(at, next == std::string::npos ? std::string::npos : next - at);
  }
  const std::string& all() const { return m_out; }

 private:
  std::string m_out;
};

void expect_has(const std::string& text, const std::string& needle) {
  EXPECT_NE(text.find(needle), std::string::npos) << "missing: " << needle << "\nin:\n" << text;
}

void expect_matches(const std::string& text, const std::string& pattern) {
  EXPECT_TRUE(std::regex_search(text, std::regex(pattern)))
      << "no match for: " << pattern << "\nin:\n"
      << text;
}

TEST(ChurnExampleTest, PromotionRejectionDegradationRetrainingAndRollback) {
  ASSERT_EQ(std::system("/usr/bin/python3 -c 'import pandas, sklearn' 2> /dev/null"), 0)
      << "install python3-pandas and python3-sklearn (scripts/install-deps.sh does)";
  Workspace ws;
  std::string command = "NO_COLOR=1 MLOPS=" + shell_quote(mlops_binary().string()) + " " +
                        shell_quote((source_dir() / "scripts/churn-demo.sh").string()) + " " +
                        shell_quote((ws / "demo").string()) + " 2>&1";
  auto demo = run_shell(command);
  // The step headers are bold: drop the escapes so that "== header" matches.
  DemoOutput out(std::regex_replace(demo.out, std::regex("\x1b\\[[0-9;]*m"), ""));
  ASSERT_EQ(demo.status, 0) << out.all();

  // 1. Two months land: features (validated by the rules file, tolerated rows listed with their
  //    files and lines), then training: v1 is accepted without a baseline, becomes the champion
  //    and is deployed.
  std::string first = out.step("September and October land");
  expect_has(first, "churn-features: data: 2 new files under data/raw");
  expect_has(first, "validate | data/raw: 1200 rows, 8 columns, 0 malformed rows");
  expect_has(first, "validate | passed  columns.tenure_months.range (error)");
  expect_has(first,
             "validate |         data/raw/customers-2026-09.csv line 205: tenure_months=999");
  expect_has(first, "unusable rows dropped");
  expect_has(first,
             "churn-training: artifact: churn-features wrote a new data/features/features.csv");
  expect_has(first,
             "model churn v1 accepted without a baseline (champion holds no version); now "
             "churn@champion");
  expect_has(first, "[mlops] done  deploy");
  expect_has(first, "aliases: champion=v1");

  // 2. A third month: only it is featurized; v2 is judged against the champion and promoted.
  std::string second = out.step("November lands");
  std::string second_features = second.substr(0, second.find("churn-training:"));
  expect_has(second_features, "featurized data/raw/customers-2026-11.csv");
  EXPECT_EQ(second_features.find("featurized data/raw/customers-2026-09.csv"), std::string::npos)
      << "an old month was featurized again:\n"
      << second_features;
  expect_has(second, "model churn v2 accepted against champion v1; now churn@champion");
  expect_has(second, "deploy (deps changed: .mlops/models/churn@champion (changed))");
  expect_has(second, "aliases: champion=v2");

  // 3. Nothing new: nothing runs.
  std::string third = out.step("Nothing new");
  expect_has(third, "[mlops] churn-monitoring: nothing to do\n");
  expect_has(third, "[mlops] churn-features: nothing to do\n");
  expect_has(third, "[mlops] churn-training: nothing to do\n");
  EXPECT_EQ(third.find("started run"), std::string::npos) << third;

  // 4. A broken batch: rejected, exit 3, nothing downstream; taken back, the features come back
  //    from the cache.
  std::string fourth = out.step("A broken batch lands");
  expect_has(fourth, "FAIL    columns.monthly_charges.range (error)");
  expect_has(fourth, "data/raw/broken-export.csv line 8: plan=platinum");
  expect_has(fourth, "featurize  skipped");
  expect_has(fourth, "churn-features: run ");
  expect_has(fourth, " rejected\n");
  expect_has(fourth, "mlops trigger check exited 3");
  expect_has(fourth, "removed data/raw/broken-export.csv");
  expect_has(fourth, "featurize  cached");

  // 5. A weak candidate: the gate rejects v3 with the failed checks (exit 3), deploy is skipped,
  //    the champion stays v2.
  std::string fifth = out.step("A weak candidate");
  expect_has(fifth, "train (param algorithm changed: gbm -> stump)");
  expect_has(fifth, "REJECTED evaluate: model churn v3 rejected by the gate: auc ");
  expect_matches(fifth,
                 "\n  FAIL auc [0-9.]+ vs baseline [0-9.]+: regression [0-9.]+ misses "
                 "max_regression 0\\.01\n");
  expect_matches(fifth, "\n  pass rows [0-9]+ >= min 500\n");
  expect_matches(fifth, "\n  (pass|FAIL) slices\\.region=north\\.auc [0-9.]+ ");
  expect_has(fifth,
             "deploy    skipped             -         -  gate rejected: evaluate did not "
             "accept model churn");
  expect_has(fifth, "1 model gate said no");
  expect_has(fifth, "(mlops run exited 3: the gate rejected the candidate)");
  expect_has(fifth, "aliases: champion=v2");
  expect_matches(fifth, "\nv3 .* failed +- ");

  // 6. Serving traffic drifts: monitoring fires, records every drift measure and the champion's
  //    accuracy on the labelled month, fetches the outcomes; the features are rebuilt and the
  //    metric trigger (with the artifact trigger) retrains; v4 is promoted.
  std::string sixth = out.step("December in production");
  expect_has(sixth, "churn-monitoring: drift: monthly_charges psi=");
  expect_has(sixth, "churn-monitoring: started run ");
  expect_has(sixth, "(cause: drift)");
  expect_has(sixth, "drift | dataset: DRIFT");
  expect_matches(sixth,
                 "score \\| the champion on 2026-12: accuracy [0-9.]+, AUC [0-9.]+ \\(591 "
                 "labelled requests\\)");
  expect_has(sixth, "outcomes of 2026-12");
  expect_has(sixth, "churn-features: artifact: churn-monitoring wrote a new data/raw/outcomes");
  expect_has(sixth, "featurized data/raw/outcomes/customers-2026-12.csv");
  expect_matches(sixth,
                 "churn-training: metric: churn-monitoring/score: accuracy \\(latest\\) = "
                 "[0-9.]+ vs baseline [0-9.]+ \\(churn v2 \\(champion\\) accuracy\\): "
                 "degraded by [0-9.]+ >= 0\\.01: breach 1 of 1: firing");
  expect_has(sixth, "churn-training: started run ");
  expect_has(sixth, "(cause: artifact+metric)");
  expect_has(sixth, "trained gbm on 1777 rows");
  expect_has(sixth, "model churn v4 accepted against champion v2; now churn@champion");
  expect_matches(sixth, "\nRUN +STAGE +accuracy\n[0-9a-f-]+ +score +0\\.[0-9]+\n");
  expect_has(sixth, "drift.monthly_charges.psi");
  std::string why = out.step("Why churn-training ran");
  expect_has(why,
             "metric churn-monitoring/score:accuracy degrades by 0.01 vs churn@champion "
             "accuracy: FIRING since ");
  expect_matches(why,
                 "NO_DATA -> FIRING -> run [0-9a-f-]+: accuracy \\(latest\\) = [0-9.]+ vs "
                 "baseline [0-9.]+ \\(churn v2 \\(champion\\) accuracy\\)");

  // 7. Rollback: the champion goes back to v2, the rerun restores v2's deployment, the history
  //    has every move.
  std::string seventh = out.step("Rollback");
  expect_has(seventh, "churn@champion: v4 -> v2 (rollback: December model under review)");
  expect_matches(seventh, "skip  deploy: .*restored from the cache");
  expect_has(seventh, "churn@champion is v2\n");
  expect_matches(seventh, "champion +- -> v1 +gate ");
  expect_matches(seventh, "champion +v1 -> v2 +gate ");
  expect_matches(seventh, "champion +v2 -> v4 +gate ");
  expect_matches(seventh, "champion +v4 -> v2 +rollback +[^ ]+ +December model under review");
  EXPECT_EQ(ws.read("demo/serving/model.pkl"), ws.read("demo/.mlops/models/churn@champion"))
      << "serving/model.pkl is not the champion's bytes";

  EXPECT_FALSE(ws.exists("demo/models/production")) << "the old copy convention is gone";
  EXPECT_FALSE(ws.exists("demo/pipelines/churn/gate.py"));
  EXPECT_TRUE(ws.exists("demo/reports/validation/validation.json"));
  EXPECT_TRUE(ws.exists("demo/reports/monitoring/drift.json"));
  EXPECT_NE(ws.read("demo/reports/scoring/score.json").find("\"accuracy\""), std::string::npos);
  std::string report = ws.read("demo/report.html");
  EXPECT_NE(report.find("data-stage=\"evaluate\""), std::string::npos);
  EXPECT_NE(report.find("max_regression"), std::string::npos) << "the gate's checks";
  expect_has(out.all(), "written by publish in run ");  // lineage across pipelines
}

}  // namespace
}  // namespace mlops::e2e
