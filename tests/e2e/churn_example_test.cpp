// The churn example (pipelines/churn-*.yaml, scripts/churn-demo.sh) end to end: data lands, the
// feature pipeline (validated by mlops's own rules) commits the new rows to two feature groups,
// and the training pipeline runs for the new commits, builds its training and test data by
// point-in-time joins of the groups onto the labels, incrementally; the training pipeline's gate
// promotes versions of the model `churn` to churn@champion and deploy serves the champion; a
// broken batch and a weak candidate are rejected (exit 3); drifting serving data fires the
// monitoring pipeline, whose score of the champion on labelled production data fires the
// training pipeline's metric trigger; a rollback redeploys the previous champion; the report is
// written; lineage walks the model to its dataset, the pinned commits and the raw files; a late
// correction committed to a group leaves the dataset built before it byte-identical and reaches
// the next one. Needs Debian's python3-pandas and python3-sklearn.
#include <cstdio>
#include <cstdlib>
#include <regex>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "store/store_test_util.hpp"
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
  //    files and lines) committed to both groups, then training for the new commit, on datasets
  //    joined from commit 1 of each group: v1 is accepted without a baseline, becomes the
  //    champion and is deployed.
  std::string first = out.step("September and October land");
  expect_has(first, "churn-features: data: 2 new files under data/raw");
  expect_has(first, "validate | data/raw: 1200 rows, 8 columns, 0 malformed rows");
  expect_has(first, "validate | passed  columns.tenure_months.range (error)");
  expect_has(first,
             "validate |         data/raw/customers-2026-09.csv line 205: tenure_months=999");
  expect_has(first, "unusable rows dropped");
  expect_has(first, "featurize | 1186 new rows -> data/features/groups/customer_features.csv");
  expect_has(first, "featurize | 1186 new rows -> data/features/groups/usage_features.csv");
  expect_has(first, "publish | published data/features/labels.csv: 1186 labels");
  expect_has(first,
             "churn-training: artifact: feature group customer_features v1 has 1 new commit(s) "
             "(1 to 1)");
  expect_has(first, "labels | as of latest: train 595 labels (before 2026-10-28), test 591 labels");
  expect_has(first, "churn_train |   fg://customer_features/v1@1  595 of 595 rows matched");
  expect_has(first, "churn_train |   fg://usage_features/v1@1  595 of 595 rows matched");
  expect_has(first, "churn_test |   fg://customer_features/v1@1  591 of 591 rows matched");
  expect_has(first, "trained gbm on 595 rows");
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
  expect_has(second_features, "591 new rows -> data/features/groups/customer_features.csv");
  expect_has(second,
             "churn-training: artifact: feature group customer_features v1 has 1 new commit(s) "
             "(2 to 2)");
  expect_has(second, "churn_train |   fg://customer_features/v1@2  1186 of 1186 rows matched");
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
  expect_matches(fifth,
                 "\ndeploy +skipped +- +- +gate rejected: evaluate did not accept model churn\n");
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
  expect_has(sixth, "drift | data/train/data.csv (1186 rows) -> data/serving (591 rows)");
  expect_has(sixth, "featurized data/raw/outcomes/customers-2026-12.csv");
  expect_has(sixth,
             "churn-training: artifact: feature group customer_features v1 has 1 new commit(s) "
             "(3 to 3)");
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

  // 8. Lineage: the model, its dataset, the feature group commit it pinned, the feature run that
  //    committed it, the raw files, in that order.
  std::string lineage = out.step("What produced the newest version of churn (v4)");
  auto at = [&](const std::string& text) {
    size_t found = lineage.find(text);
    EXPECT_NE(found, std::string::npos) << "missing: " << text << "\nin:\n" << lineage;
    return found;
  };
  size_t dataset = at("read data/train ");
  size_t dataset_run = at("written by churn_train in run ");
  size_t commit = at("read fg://customer_features/v1@3 ");
  size_t feature_run = at("written by featurize in run ");
  size_t raw = at("read data/raw ");
  at("read fg://usage_features/v1@3 ");
  EXPECT_LT(dataset, dataset_run);
  EXPECT_LT(dataset_run, commit);
  EXPECT_LT(commit, feature_run);
  EXPECT_LT(feature_run, raw);

  // 9. A late correction of a September customer: commit 4 updates one row; the dataset v4 was
  //    trained on (pinned at commit 3) still rebuilds byte for byte.
  std::string correction = out.step("A late correction");
  std::smatch old_id;
  ASSERT_TRUE(std::regex_search(correction, old_id,
                                std::regex("-- dataset ([0-9a-f]{16}) \\(churn_train, v4's "
                                           "training data, pinned at commit 3\\)")))
      << correction;
  const std::string k_before = "2026-09-00003,2026-09-28,0,standard,north,0.0833333,52.61,0,";
  const std::string k_after = "2026-09-00003,2026-09-28,0,standard,north,2.08333,2.1044,1,";
  expect_has(correction, "\n" + k_before);
  expect_matches(correction, "\ncommit 4 +[^ ]+ +upsert +\\+0 ~1 -0 ");
  expect_matches(correction,
                 "\ncommit 3 .* run [0-9a-f-]+ stage featurize  from "
                 "data/features/groups/customer_features.csv\n");
  expect_has(correction,
             "\n2026-09-00003,2026-09-28T00:00:00Z,standard,north,0.0833333,52.61,0,0,1,0\n"
             "2026-09-00003,2026-09-28T00:00:00Z,standard,north,2.08333,2.1044,1,0,1,0\n");
  expect_has(correction,
             "dataset " + old_id[1].str() + " rebuilt from its pinned commits: byte-identical\n");

  // 10. The next check runs training for commit 4 (the feature group trigger alone); the new
  //     datasets pin it and have the corrected value; the old one still verifies.
  std::string next = out.step("The next training run");
  expect_has(next,
             "churn-training: artifact: feature group customer_features v1 has 1 new commit(s) "
             "(4 to 4)");
  expect_has(next, "(cause: artifact)");
  expect_has(next, "churn_train |   fg://customer_features/v1@4  1777 of 1777 rows matched");
  expect_has(next, "churn_train |   fg://usage_features/v1@3  1777 of 1777 rows matched");
  expect_has(next, "model churn v5 accepted against champion v2; now churn@champion");
  expect_has(next, "\n" + k_after);
  EXPECT_EQ(next.find(k_before), std::string::npos) << next;
  expect_has(next,
             "dataset " + old_id[1].str() + " rebuilt from its pinned commits: byte-identical\n");
  std::string train = ws.read("demo/data/train/data.csv");
  EXPECT_NE(train.find("\n" + k_after), std::string::npos);
  EXPECT_EQ(train.find(k_before), std::string::npos);
  EXPECT_NE(ws.read("demo/data/train/manifest.json").find("fg://customer_features/v1@4"),
            std::string::npos);
  EXPECT_TRUE(ws.exists("demo/.mlops/datasets/" + old_id[1].str() + "/manifest.json"));

  EXPECT_EQ(ws.read("demo/serving/model.pkl"), ws.read("demo/.mlops/models/churn@champion"))
      << "serving/model.pkl is not the champion's bytes";

  EXPECT_FALSE(ws.exists("demo/models/production")) << "the old copy convention is gone";
  EXPECT_FALSE(ws.exists("demo/pipelines/churn/gate.py"));
  EXPECT_FALSE(ws.exists("demo/pipelines/churn/split.py")) << "the datasets replaced it";
  EXPECT_FALSE(ws.exists("demo/data/features/features.csv"));
  EXPECT_TRUE(ws.exists("demo/reports/validation/validation.json"));
  EXPECT_TRUE(ws.exists("demo/reports/monitoring/drift.json"));
  EXPECT_NE(ws.read("demo/reports/scoring/score.json").find("\"accuracy\""), std::string::npos);
  std::string report = ws.read("demo/report.html");
  EXPECT_NE(report.find("data-stage=\"evaluate\""), std::string::npos);
  EXPECT_NE(report.find("max_regression"), std::string::npos) << "the gate's checks";
  expect_has(out.all(), "written by publish in run ");  // lineage across pipelines
}

// Issue 16's "done when": the churn loop with a PostgreSQL store and an artifact remote, set by two
// environment variables; a second machine (an empty workspace with the same two) sees the runs
// in the shared store and serves the champion's bytes from the remote.
TEST(ChurnExampleTest, RunsOnASharedStoreWithARemoteSetByTwoVariables) {
  if (!testing::test_pg_admin()) {
    GTEST_SKIP() << testing::k_pg_skip_message;
  }
  ASSERT_EQ(std::system("/usr/bin/python3 -c 'import pandas, sklearn' 2> /dev/null"), 0)
      << "install python3-pandas and python3-sklearn (scripts/install-deps.sh does)";
  auto db = testing::TestPgDatabase::create(testing::test_pg_admin());
  ASSERT_TRUE(db);
  Workspace ws;
  std::filesystem::create_directories(ws / "remote");
  std::string store = shell_quote(db->locator());
  std::string env = "NO_COLOR=1 MLOPS=" + shell_quote(mlops_binary().string()) +
                    " MLOPS_STORE=" + store +
                    " MLOPS_REMOTE=" + shell_quote((ws / "remote").string());
  auto migrated =
      run_shell(env + " " + shell_quote(mlops_binary().string()) + " store migrate 2>&1");
  ASSERT_EQ(migrated.status, 0) << migrated.out;
  auto demo = run_shell(env + " " + shell_quote((source_dir() / "scripts/churn-demo.sh").string()) +
                        " " + shell_quote((ws / "demo").string()) + " 2>&1");
  ASSERT_EQ(demo.status, 0) << demo.out;
  expect_has(demo.out, "(+");  // push wrote run-cache entries
  expect_has(demo.out, "machine B serves the same model bytes as machine A");
  EXPECT_FALSE(std::filesystem::exists(ws / "demo/.mlops/store.db"));  // all in PostgreSQL
  EXPECT_FALSE(std::filesystem::exists(ws / "demo-machine-b/.mlops/store.db"));
}

}  // namespace
}  // namespace mlops::e2e
