// The churn example (pipelines/churn-*.yaml, scripts/churn-demo.sh) end to end: data lands, the
// feature pipeline (validated by mlops's own rules) and then the training pipeline run from their
// triggers, incrementally, with a promotion gate; a broken batch is rejected; drifting serving
// data fires the monitoring pipeline and retraining; the report is written. Needs Debian's
// python3-pandas and python3-sklearn.
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "util/shell_quote.hpp"

namespace mlops::e2e {
namespace {

TEST(ChurnExampleTest, DataLandsFeaturesThenTrainingRunAndNothingRunsAfter) {
  ASSERT_EQ(std::system("/usr/bin/python3 -c 'import pandas, sklearn' 2> /dev/null"), 0)
      << "install python3-pandas and python3-sklearn (scripts/install-deps.sh does)";
  Workspace ws;
  std::string command = "MLOPS=" + shell_quote(mlops_binary().string()) + " " +
                        shell_quote((source_dir() / "scripts/churn-demo.sh").string()) + " " +
                        shell_quote((ws / "demo").string()) + " 2>&1";
  auto demo = run_shell(command);
  const std::string& out = demo.out;
  ASSERT_EQ(demo.status, 0) << out;

  auto after = [&](const std::string& marker) {
    size_t at = out.find(marker);
    EXPECT_NE(at, std::string::npos) << marker << "\n" << out;
    return at == std::string::npos ? std::string() : out.substr(at);
  };
  // 1. Two months land: features (validated by the rules file, tolerated rows listed with their
  //    files and lines), then training, deployed through the gate.
  std::string first = after("September and October land");
  EXPECT_NE(first.find("churn-features: data: 2 new files under data/raw"), std::string::npos);
  EXPECT_NE(first.find("validate | data/raw: 1200 rows, 8 columns, 0 malformed rows"),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("validate | passed  columns.tenure_months.range (error)"),
            std::string::npos);
  EXPECT_NE(first.find("validate |         data/raw/customers-2026-09.csv line 205: "
                       "tenure_months=999"),
            std::string::npos);
  EXPECT_NE(first.find("unusable rows dropped"), std::string::npos);
  EXPECT_NE(first.find("churn-training: artifact: churn-features wrote a new "
                       "data/features/features.csv"),
            std::string::npos);
  EXPECT_NE(first.find("gate | nothing deployed yet"), std::string::npos) << first;
  EXPECT_NE(first.find("[mlops] done  deploy"), std::string::npos) << first;

  // 2. A third month: only it is featurized; the gate judges the new model.
  std::string second = after("November lands");
  std::string second_features = second.substr(0, second.find("churn-training:"));
  EXPECT_NE(second_features.find("featurized data/raw/customers-2026-11.csv"), std::string::npos)
      << second_features;
  EXPECT_EQ(second_features.find("featurized data/raw/customers-2026-09.csv"), std::string::npos)
      << "an old month was featurized again:\n"
      << second_features;
  EXPECT_NE(second.find("[mlops] start gate"), std::string::npos);

  // 3. Nothing new: nothing runs.
  std::string third = after("Nothing new");
  EXPECT_NE(third.find("churn-features: nothing to do\n[mlops] churn-monitoring: nothing to do\n"
                       "[mlops] churn-training: nothing to do"),
            std::string::npos)
      << third;

  // 4. A broken batch: rejected, exit 3, nothing downstream.
  std::string fourth = after("A broken batch lands");
  fourth = fourth.substr(0, fourth.find("December in production"));
  EXPECT_NE(fourth.find("FAIL    columns.monthly_charges.range (error)"), std::string::npos)
      << fourth;
  EXPECT_NE(fourth.find("data/raw/broken-export.csv line 8: plan=platinum"), std::string::npos);
  EXPECT_NE(fourth.find("featurize  skipped"), std::string::npos);
  EXPECT_NE(fourth.find("churn-features: run "), std::string::npos);
  EXPECT_NE(fourth.find(" rejected\n"), std::string::npos) << fourth;
  EXPECT_NE(fourth.find("mlops trigger check exited 3"), std::string::npos) << fourth;

  // 5. Serving traffic drifts: monitoring fires on the critical features, records every measure,
  //    fetches the month's outcomes; the next check featurizes them and retrains.
  std::string fifth = after("December in production");
  EXPECT_NE(fifth.find("churn-monitoring: drift: monthly_charges psi="), std::string::npos)
      << fifth;
  EXPECT_NE(fifth.find("churn-monitoring: started run "), std::string::npos);
  EXPECT_NE(fifth.find("(cause: drift)"), std::string::npos);
  EXPECT_NE(fifth.find("drift | dataset: DRIFT"), std::string::npos);
  EXPECT_NE(fifth.find("outcomes of 2026-12"), std::string::npos);
  EXPECT_NE(fifth.find("drift.monthly_charges.psi"), std::string::npos);
  std::string sixth = after("December's outcomes landed");
  EXPECT_NE(sixth.find("featurized data/raw/outcomes/customers-2026-12.csv"), std::string::npos)
      << sixth;
  EXPECT_NE(sixth.find("churn-training: started run "), std::string::npos) << sixth;
  EXPECT_NE(sixth.find("[mlops] start train"), std::string::npos) << sixth;

  EXPECT_TRUE(ws.exists("demo/models/production/model.pkl"));
  EXPECT_TRUE(ws.exists("demo/reports/validation/validation.json"));
  EXPECT_TRUE(ws.exists("demo/reports/monitoring/drift.json"));
  EXPECT_NE(ws.read("demo/report.html").find("data-stage=\"gate\""), std::string::npos);
  EXPECT_NE(out.find("written by publish in run "), std::string::npos)
      << "lineage across pipelines";
}

}  // namespace
}  // namespace mlops::e2e
