// The metric trigger: the pure state machine on scripted metric series with a fake clock, and
// the trigger against a real store (two connections to one file fire exactly once).
#include <gtest/gtest.h>

#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"
#include "triggers/evaluator.hpp"
#include "triggers/metric_trigger.hpp"
#include "util/temp_dir_test_util.hpp"
#include "util/time_format.hpp"
#include "util/wall_clock.hpp"

namespace mlops {
namespace {

using std::chrono::hours;

WallTime at(const char* iso) {
  return *parse_utc_iso(iso);
}

MetricTriggerSpec below(double value, int consecutive = 1) {
  MetricTriggerSpec spec;
  spec.source_pipeline = "monitoring";
  spec.source_stage = "score";
  spec.source_metric = "accuracy";
  spec.condition.comparison = MetricBound::Below;
  spec.condition.value = value;
  spec.condition.metric = "accuracy";
  spec.consecutive = consecutive;
  return spec;
}

MetricTriggerSpec degrades_by(double value, bool relative) {
  MetricTriggerSpec spec = below(0);
  spec.condition =
      MetricCondition{MetricBound::DegradesBy, value, "churn", "champion", "auc", relative};
  return spec;
}

// Feeds readings one at a time and steps the machine the way evaluate_metric does, on a clock
// the test moves.
class Series {
 public:
  explicit Series(MetricTriggerSpec spec) : m_spec(std::move(spec)) {}

  // A new reading recorded now (its execution ends at the clock's time), then an evaluation.
  MetricStep add(double value, std::optional<double> samples = std::nullopt) {
    MetricReading reading{++m_next_id, "run-" + std::to_string(m_next_id), value, samples,
                          clock.now()};
    m_inputs.readings.push_back(reading);
    return step();
  }
  // An evaluation without a new reading (a tick).
  MetricStep step() {
    MetricStep step = step_metric_trigger(m_spec, state, m_inputs, clock.now());
    state = step.after;
    fired += step.fire ? 1 : 0;
    return step;
  }
  std::string phase() const { return metric_phase_name(state.phase); }
  void set_baseline(std::optional<double> baseline, std::string problem = "") {
    m_inputs.baseline = baseline;
    m_inputs.baseline_source = "churn v1 (champion) auc";
    m_inputs.baseline_problem = std::move(problem);
  }

  FakeWallClock clock{at("2026-12-01T00:00:00Z")};
  MetricState state;
  int fired = 0;

 private:
  MetricTriggerSpec m_spec;
  MetricInputs m_inputs;
  int64_t m_next_id = 0;
};

TEST(MetricStateMachineTest, ForCountsConsecutiveBreachesOfNewReadingsOnly) {
  Series series(below(0.8, 2));
  series.add(0.9);
  EXPECT_EQ(series.phase(), "ARMED");
  auto first = series.add(0.7);
  EXPECT_EQ(series.phase(), "PENDING");
  EXPECT_EQ(first.decision, "accuracy (latest) = 0.7 is below 0.8: breach 1 of 2 (for: 2)");
  // The same newest reading evaluated again (a tick) does not count twice.
  auto tick = series.step();
  EXPECT_FALSE(tick.new_reading);
  EXPECT_EQ(series.state.breaches, 1);
  EXPECT_EQ(series.phase(), "PENDING");
  auto second = series.add(0.75);
  EXPECT_TRUE(second.fire);
  EXPECT_EQ(series.phase(), "FIRING");
  EXPECT_EQ(second.decision, "accuracy (latest) = 0.75 is below 0.8: breach 2 of 2: firing");
  EXPECT_EQ(series.fired, 1);
}

TEST(MetricStateMachineTest, AHealthyReadingInPendingReArms) {
  Series series(below(0.8, 3));
  series.add(0.7);
  series.add(0.7);
  EXPECT_EQ(series.state.breaches, 2);
  series.add(0.9);
  EXPECT_EQ(series.phase(), "ARMED");
  series.add(0.7);
  EXPECT_EQ(series.phase(), "PENDING");
  EXPECT_EQ(series.state.breaches, 1);
  EXPECT_EQ(series.fired, 0);
}

TEST(MetricStateMachineTest, ClearHysteresisReArmsOnlyPastTheClearBound) {
  MetricTriggerSpec spec = below(0.8);
  spec.clear = MetricClear{MetricBound::Above, 0.85, {}};
  Series series(spec);
  EXPECT_TRUE(series.add(0.7).fire);
  series.step();
  EXPECT_EQ(series.phase(), "COOLDOWN");  // FIRING is left at the next evaluation
  series.add(0.82);                       // healthy, but not past the clear bound
  EXPECT_EQ(series.phase(), "COOLDOWN");
  EXPECT_FALSE(series.add(0.7).fire);  // still in cooldown: a breach does not fire
  EXPECT_EQ(series.phase(), "COOLDOWN");
  series.add(0.9);
  EXPECT_EQ(series.phase(), "ARMED");
  EXPECT_TRUE(series.add(0.7).fire);
  EXPECT_EQ(series.fired, 2);
}

TEST(MetricStateMachineTest, WithoutClearTheConditionNoLongerHoldingReArms) {
  Series series(below(0.8));
  series.add(0.7);
  series.add(0.79);
  EXPECT_EQ(series.phase(), "COOLDOWN");
  series.add(0.8);
  EXPECT_EQ(series.phase(), "ARMED");
}

TEST(MetricStateMachineTest, CooldownMustElapseEvenWhenClearHeld) {
  MetricTriggerSpec spec = below(0.8);
  spec.cooldown = hours(24);
  Series series(spec);
  series.add(0.7);
  series.clock.advance(hours(1));
  auto cleared = series.add(0.9);
  EXPECT_EQ(series.phase(), "COOLDOWN");
  EXPECT_TRUE(series.state.cleared);
  ASSERT_TRUE(cleared.wake_at);
  EXPECT_EQ(format_utc_iso(*cleared.wake_at), "2026-12-02T00:00:00.000Z");
  series.clock.advance(hours(22));
  series.step();
  EXPECT_EQ(series.phase(), "COOLDOWN");
  series.clock.advance(hours(1));
  auto over = series.step();  // a tick: the cooldown is over, no new reading needed
  EXPECT_EQ(series.phase(), "ARMED");
  EXPECT_NE(over.decision.find("cooldown over"), std::string::npos) << over.decision;
}

TEST(MetricStateMachineTest, MinSamplesIgnoresSmallOrUncountedReadings) {
  MetricTriggerSpec spec = below(0.8);
  spec.samples_metric = "rows";
  spec.samples_at_least = 500;
  Series series(spec);
  series.add(0.1, 100);
  EXPECT_EQ(series.phase(), "NO_DATA");  // no usable reading at all
  series.add(0.9, 600);
  EXPECT_EQ(series.phase(), "ARMED");
  auto small = series.add(0.1, 10);
  EXPECT_FALSE(small.new_reading);
  EXPECT_EQ(series.phase(), "ARMED");
  auto uncounted = series.add(0.2);
  EXPECT_EQ(series.phase(), "ARMED");
  EXPECT_EQ(series.fired, 0);
  ASSERT_EQ(uncounted.detail["ignored"].size(), 2u);
  EXPECT_EQ(uncounted.detail["ignored"][0]["why"], "rows 10 < 500");
  EXPECT_EQ(uncounted.detail["ignored"][1]["why"], "no rows recorded");
  EXPECT_EQ(uncounted.detail["readings"].size(), 1u);
}

TEST(MetricStateMachineTest, StaleDataIsNoDataNeverFiresAndRecoversToArmed) {
  MetricTriggerSpec spec = below(0.8, 2);
  spec.stale_after = hours(48);
  Series series(spec);
  EXPECT_EQ(series.step().decision,
            "no reading of accuracy by stage score of monitoring yet: NO_DATA (never fires by "
            "itself)");
  auto first = series.add(0.7);
  EXPECT_EQ(series.phase(), "PENDING");
  ASSERT_TRUE(first.wake_at);  // when it goes stale
  EXPECT_EQ(format_utc_iso(*first.wake_at), "2026-12-03T00:00:00.000Z");
  series.clock.advance(hours(47));
  series.step();
  EXPECT_EQ(series.phase(), "PENDING");
  series.clock.advance(hours(1));
  series.step();
  EXPECT_EQ(series.phase(), "NO_DATA");
  EXPECT_EQ(series.state.breaches, 0);
  series.step();
  EXPECT_EQ(series.fired, 0);
  // A fresh reading leaves NO_DATA for ARMED: the breach before the gap does not count.
  series.add(0.7);
  EXPECT_EQ(series.phase(), "PENDING");
  EXPECT_EQ(series.state.breaches, 1);
  EXPECT_TRUE(series.add(0.7).fire);
}

TEST(MetricStateMachineTest, AWindowWaitsForEnoughReadingsThenAggregates) {
  MetricTriggerSpec spec = below(0.8);
  spec.window = 3;
  spec.aggregate = MetricAggregate::Mean;
  Series series(spec);
  series.add(0.6);
  auto waiting = series.add(0.6);
  EXPECT_EQ(waiting.decision,
            "waiting for 3 readings of accuracy (have 2): no decision, stays "
            "ARMED");
  auto full = series.add(0.9);
  EXPECT_DOUBLE_EQ(full.detail["aggregate"].get<double>(), 0.7);
  EXPECT_TRUE(full.fire);
}

TEST(MetricStateMachineTest, Aggregates) {
  struct Case {
    MetricAggregate aggregate;
    double expected;
  };
  for (auto [aggregate, expected] :
       {Case{MetricAggregate::Mean, 2.5}, Case{MetricAggregate::Min, 1},
        Case{MetricAggregate::Max, 4}, Case{MetricAggregate::Median, 2.5},
        Case{MetricAggregate::Last, 3}}) {
    MetricTriggerSpec spec = below(0);
    spec.window = 4;
    spec.aggregate = aggregate;
    Series series(spec);
    series.add(4);
    series.add(1);
    series.add(2);
    auto step = series.add(3);
    EXPECT_DOUBLE_EQ(step.detail["aggregate"].get<double>(), expected);
  }
}

TEST(MetricStateMachineTest, DegradesByAbsolute) {
  Series series(degrades_by(0.25, false));
  series.set_baseline(1.0);
  auto small = series.add(0.8);
  EXPECT_EQ(series.phase(), "ARMED");
  EXPECT_EQ(small.decision,
            "accuracy (latest) = 0.8 vs baseline 1 (churn v1 (champion) auc): degraded by 0.2 < "
            "0.25: armed");
  EXPECT_TRUE(series.add(0.75).fire);  // 1 - 0.75 = 0.25 >= 0.25
}

TEST(MetricStateMachineTest, DegradesByRelative) {
  Series series(degrades_by(0.5, true));
  series.set_baseline(0.5);
  series.add(0.3);  // (0.5 - 0.3) / 0.5 = 0.4
  EXPECT_EQ(series.phase(), "ARMED");
  EXPECT_TRUE(series.add(0.25).fire);  // 0.5
  Series negative(degrades_by(0.5, true));
  negative.set_baseline(-2);
  EXPECT_TRUE(negative.add(-3).fire);  // (-2 - -3) / |-2| = 0.5
}

TEST(MetricStateMachineTest, DegradesByWithLowerIsBetterBreachesWhenTheMetricRises) {
  MetricTriggerSpec spec = degrades_by(0.05, false);
  spec.condition.lower_is_better = true;
  Series series(spec);
  series.set_baseline(0.10);  // an error rate
  auto better = series.add(0.02);
  EXPECT_FALSE(better.fire);
  EXPECT_NE(better.decision.find("degraded by -0.08 < 0.05"), std::string::npos) << better.decision;
  EXPECT_FALSE(series.add(0.14).fire);  // 0.04 worse
  EXPECT_TRUE(series.add(0.15).fire);   // 0.05 worse
}

TEST(MetricStateMachineTest, ARelativeChangeFromAZeroBaselineIsNoDecision) {
  Series series(degrades_by(0.1, true));
  series.set_baseline(0.0);
  auto step = series.add(-5);
  EXPECT_FALSE(step.fire);
  EXPECT_EQ(series.phase(), "ARMED");
  EXPECT_NE(step.decision.find("a relative change from 0 is undefined"), std::string::npos)
      << step.decision;
  // Absolute degradation from 0 is well defined.
  Series absolute(degrades_by(0.1, false));
  absolute.set_baseline(0.0);
  EXPECT_TRUE(absolute.add(-5).fire);
}

TEST(MetricStateMachineTest, NoChampionIsNoDecisionNeverABreach) {
  Series series(degrades_by(0.1, false));
  series.set_baseline(std::nullopt, "model 'churn' has no version with alias 'champion'");
  auto step = series.add(0.0);
  EXPECT_FALSE(step.fire);
  EXPECT_EQ(series.phase(), "ARMED");
  EXPECT_EQ(step.decision,
            "accuracy (latest) = 0, but there is no baseline: model 'churn' has no version with "
            "alias 'champion': no decision, stays ARMED");
}

TEST(MetricStateMachineTest, StateRoundTripsThroughJson) {
  MetricState state{MetricPhase::Cooldown, 2, 17, 1234, true};
  MetricState back = parse_metric_state(metric_state_json(state));
  EXPECT_EQ(metric_state_json(back), metric_state_json(state));
  EXPECT_EQ(parse_metric_state("not json").phase, MetricPhase::Armed);
}

// ---- against the store --------------------------------------------------------------------

// On both engines (store/store_test_util.hpp): the metric trigger's compare-and-set is the
// store's.
class MetricTriggerStoreTest : public testing::StoreEngineTest {
 protected:
  std::unique_ptr<SqlStore> open() { return open_store(); }
  // A succeeded run of the monitoring pipeline whose `score` stage recorded `accuracy`.
  void record(SqlStore& store, const std::string& run, double accuracy) {
    RunRecord record;
    record.id = run;
    record.pipeline = "monitoring";
    record.started_at = "2026-12-01T00:00:00.000Z";
    ASSERT_TRUE(store.begin_run(record).ok());
    ExecutionRecord execution;
    execution.run_id = run;
    execution.stage = "score";
    execution.started_at = record.started_at;
    auto id = store.begin_execution(execution);
    ASSERT_TRUE(id.ok());
    execution.id = *id;
    execution.status = "succeeded";
    execution.ended_at = record.started_at;
    ASSERT_TRUE(store.finish_execution({execution, {}, {}, {{"accuracy", accuracy}}}).ok());
    ASSERT_TRUE(store.finish_run(run, "succeeded", record.started_at).ok());
  }
  PipelineEvaluation evaluate(SqlStore& store, const TriggerSpecs& specs) {
    TriggerContext context{store, "training", dir.path(), now, now, {}};
    return evaluate_triggers(specs, context);
  }
  Status begin(SqlStore& store, const std::string& id, const PipelineEvaluation& evaluation) {
    RunRecord run;
    run.id = id;
    run.pipeline = "training";
    run.started_at = format_utc_iso(now);
    return store.begin_run(run, evaluation.run_advances());
  }
  // Quiet advances, as `trigger check` writes them when nothing fires.
  void settle(SqlStore& store, const PipelineEvaluation& evaluation) {
    ASSERT_TRUE(store.advance_triggers(evaluation.quiet_advances(), format_utc_iso(now)).ok());
  }

  testing::TempDir dir;
  WallTime now = at("2026-12-01T01:00:00Z");
};

MLOPS_STORE_ENGINES(MetricTriggerStoreTest);

TEST_P(MetricTriggerStoreTest, TwoCheckersEvaluatingTheSameBreachFireExactlyOnce) {
  auto first = open();
  auto second = open();
  TriggerSpecs specs;
  specs.metric.push_back(below(0.8, 2));
  record(*first, "m1", 0.7);
  settle(*first, evaluate(*first, specs));  // PENDING(1)
  record(*first, "m2", 0.7);
  PipelineEvaluation a = evaluate(*first, specs);
  PipelineEvaluation b = evaluate(*second, specs);
  ASSERT_TRUE(a.fires());
  ASSERT_TRUE(b.fires());
  EXPECT_EQ(
      a.firings()[0]->reason,
      "metric: monitoring/score: accuracy (latest) = 0.7 is below 0.8: breach 2 of 2: firing");
  Status won = begin(*first, "t1", a);
  Status lost = begin(*second, "t2", b);
  ASSERT_TRUE(won.ok()) << won.error().message();
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().kind(), ErrorKind::Conflict);
  EXPECT_FALSE(first->find_run("t2")->has_value());
  auto rows = second->trigger_evaluations("training", 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);  // PENDING, then the firing; the loser wrote nothing
  EXPECT_EQ((*rows)[0].state_before, "PENDING");
  EXPECT_EQ((*rows)[0].state_after, "FIRING");
  EXPECT_EQ((*rows)[0].run_id, std::optional<std::string>("t1"));
  EXPECT_EQ((*rows)[1].state_after, "PENDING");
  // The next look sees the fired state: nothing fires again.
  EXPECT_FALSE(evaluate(*second, specs).fires());
}

TEST_P(MetricTriggerStoreTest, RepeatedLooksWithoutNewReadingsAddNoRows) {
  auto store = open();
  TriggerSpecs specs;
  specs.metric.push_back(below(0.8, 3));
  record(*store, "m1", 0.7);
  for (int look = 0; look < 5; ++look) {
    PipelineEvaluation evaluation = evaluate(*store, specs);
    EXPECT_FALSE(evaluation.fires());
    settle(*store, evaluation);
  }
  EXPECT_EQ(store->trigger_evaluations("training", 100)->size(), 1u);
  record(*store, "m2", 0.7);
  settle(*store, evaluate(*store, specs));
  EXPECT_EQ(store->trigger_evaluations("training", 100)->size(), 2u);
}

TEST_P(MetricTriggerStoreTest, DegradesByReadsTheChampionsEvaluation) {
  auto store = open();
  TriggerSpecs specs;
  specs.metric.push_back(degrades_by(0.05, false));
  specs.metric.back().condition.metric = "auc";
  record(*store, "m1", 0.5);
  auto none = evaluate(*store, specs);
  EXPECT_FALSE(none.fires());
  ASSERT_EQ(none.outcomes[0].notes.size(), 1u);
  EXPECT_NE(none.outcomes[0].notes[0].find("model 'churn' has no version with alias 'champion'"),
            std::string::npos)
      << none.outcomes[0].notes[0];
  settle(*store, none);
  ModelVersionRecord version;
  version.model = "churn";
  version.path = "models/m.pkl";
  version.kind = "file";
  version.digest = "aa";
  version.created_at = "2026-12-01T00:00:00.000Z";
  ASSERT_TRUE(store->register_model_version(version).ok());
  GateResultRecord gate{
      0, "churn", 1, {}, {}, "passed", "[]", R"({"auc":0.9})", {}, {}, "2026-12-01T00:00:00.000Z"};
  AliasMoveRequest promote;
  promote.model = "churn";
  promote.alias = "champion";
  promote.version = 1;
  promote.action = "gate";
  promote.at = "2026-12-01T00:00:00.000Z";
  ASSERT_TRUE(store->record_gate(gate, promote).ok());
  record(*store, "m2", 0.8);
  auto fired = evaluate(*store, specs);
  ASSERT_TRUE(fired.fires());
  EXPECT_DOUBLE_EQ(fired.firings()[0]->detail["baseline"].get<double>(), 0.9);
}

}  // namespace
}  // namespace mlops
