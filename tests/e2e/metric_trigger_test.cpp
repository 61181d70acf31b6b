// The metric trigger end to end: a monitoring pipeline records a metric; `mlops trigger check` on
// a retraining pipeline fires after `for` breaches, once; `mlops trigger explain` says why.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_monitoring = R"(version: 1
name: monitoring
stages:
  score:
    run: cp reading.json metrics.json
    deps: [reading.json]
    metrics: [metrics.json]
    cache: false
)";

constexpr const char* k_retraining = R"(version: 1
name: retraining
triggers:
  metric:
    source: {pipeline: monitoring, stage: score, metric: accuracy}
    condition: {below: 0.8}
    window: {last: 1, agg: last}
    min_samples: {metric: rows, at_least: 500}
    for: 2
    clear: {above: 0.85}
    cooldown: 1h
    stale_after: 3650h
stages:
  train: {run: "echo trained > model.txt", outs: [model.txt]}
)";

class MetricTriggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ws.write("pipelines/monitoring.yaml", k_monitoring);
    ws.write("pipelines/retraining.yaml", k_retraining);
  }
  CommandResult mlops(std::vector<std::string> args) {
    return run_mlops(args, {ws.path(), {"MLOPS_ENABLE_TEST_HOOKS=1"}, std::nullopt});
  }
  // One monitoring run that records this accuracy and sample count.
  void monitor(double accuracy, int rows) {
    ws.write("reading.json", nlohmann::json{{"accuracy", accuracy}, {"rows", rows}}.dump());
    auto run = mlops({"run", "pipelines/monitoring.yaml", "-q"});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  }
  CommandResult check() { return mlops({"trigger", "check", "pipelines/retraining.yaml"}); }
  int retraining_runs() {
    return std::stoi(query_value(ws / ".mlops/store.db",
                                 "SELECT count(*) FROM runs r JOIN pipelines p ON p.id = "
                                 "r.pipeline_id WHERE p.name = 'retraining'"));
  }
  Workspace ws;
};

TEST_F(MetricTriggerTest, FiresAfterForBreachesOnceAndExplainSaysWhy) {
  monitor(0.9, 600);
  auto armed = check();
  ASSERT_EQ(armed.exit_code, 0) << armed.out << armed.err;
  EXPECT_NE(armed.out.find("metric: accuracy (latest) = 0.9 is not below 0.8: armed"),
            std::string::npos)
      << armed.out;
  monitor(0.7, 600);
  auto pending = check();
  EXPECT_NE(pending.out.find("breach 1 of 2 (for: 2)"), std::string::npos) << pending.out;
  EXPECT_EQ(retraining_runs(), 0);
  // A reading with too few samples is ignored, not a breach; checking again changes nothing.
  monitor(0.1, 10);
  auto ignored = check();
  EXPECT_NE(ignored.out.find("1 newer reading ignored: rows 10 < 500"), std::string::npos)
      << ignored.out;
  EXPECT_EQ(retraining_runs(), 0);
  monitor(0.75, 600);
  auto fired = check();
  ASSERT_EQ(fired.exit_code, 0) << fired.out << fired.err;
  EXPECT_NE(fired.out.find("metric: monitoring/score: accuracy (latest) = 0.75 is below 0.8: "
                           "breach 2 of 2: firing"),
            std::string::npos)
      << fired.out;
  EXPECT_EQ(retraining_runs(), 1);
  EXPECT_EQ(query_value(ws / ".mlops/store.db",
                        "SELECT cause FROM runs r JOIN pipelines p ON p.id = r.pipeline_id "
                        "WHERE p.name = 'retraining'"),
            "metric");
  // Still breaching, but in cooldown and not cleared: no second run.
  monitor(0.7, 600);
  auto cooling = check();
  EXPECT_NE(cooling.out.find("in cooldown"), std::string::npos) << cooling.out;
  EXPECT_EQ(retraining_runs(), 1);

  auto explain = mlops({"trigger", "explain", "retraining"});
  ASSERT_EQ(explain.exit_code, 0) << explain.out << explain.err;
  EXPECT_NE(explain.out.find("metric monitoring/score:accuracy below 0.8: COOLDOWN since"),
            std::string::npos)
      << explain.out;
  EXPECT_NE(explain.out.find("PENDING -> FIRING -> run "), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("ARMED -> PENDING: accuracy (latest) = 0.7 is below 0.8: breach 1 "
                             "of 2 (for: 2)"),
            std::string::npos)
      << explain.out;
  auto json = mlops({"trigger", "explain", "pipelines/retraining.yaml", "--json", "-n", "2"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto document = nlohmann::json::parse(json.out);
  EXPECT_EQ(document["triggers"][0]["state"], "COOLDOWN");
  ASSERT_EQ(document["evaluations"].size(), 2u);
  EXPECT_EQ(document["evaluations"][0]["before"], "FIRING");
  EXPECT_EQ(document["evaluations"][0]["after"], "COOLDOWN");
  EXPECT_EQ(document["evaluations"][1]["after"], "FIRING");
  EXPECT_FALSE(document["evaluations"][1]["run_id"].is_null());
}

TEST_F(MetricTriggerTest, ExplainBeforeAnyCheckSaysWhatToDo) {
  auto explain = mlops({"trigger", "explain", "pipelines/retraining.yaml"});
  EXPECT_EQ(explain.exit_code, 2);
  EXPECT_NE(explain.err.find("the triggers of 'retraining' were never checked; run `mlops "
                             "trigger check` first (or pass --store)"),
            std::string::npos)
      << explain.err;
  auto unknown = mlops({"trigger", "explain", "nosuch"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("'nosuch' is neither a pipeline file nor the name of a pipeline"),
            std::string::npos)
      << unknown.err;
}

}  // namespace
}  // namespace mlops::e2e
