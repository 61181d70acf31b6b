// The metric trigger's syntax: every key read, every mistake at its line and column.
#include <gtest/gtest.h>

#include "spec/spec_test_util.hpp"

namespace mlops {
namespace {

std::string pipeline_with(const std::string& trigger) {
  return "version: 1\nname: training\ntriggers:\n  metric:\n" + trigger +
         "stages:\n  a: {run: x}\n";
}

TEST(MetricTriggerParseTest, EveryKeyIsRead) {
  auto result = testing::load_text(pipeline_with(
      "    source: {pipeline: churn-monitoring, stage: score, metric: accuracy}\n"
      "    condition: {degrades_by: 0.05, model: churn, alias: prod, metric: auc, relative: true,\n"
      "                direction: lower}\n"
      "    window: {last: 3, agg: median}\n"
      "    min_samples: {metric: rows, at_least: 500}\n"
      "    for: 2\n"
      "    clear: {above: 0.85}\n"
      "    cooldown: 24h\n"
      "    stale_after: 48h\n"));
  ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics[0].message;
  ASSERT_EQ(result.pipeline->triggers.metric.size(), 1u);
  const MetricTriggerSpec& spec = result.pipeline->triggers.metric[0];
  EXPECT_EQ(spec.source_pipeline, "churn-monitoring");
  EXPECT_EQ(spec.source_stage, "score");
  EXPECT_EQ(spec.source_metric, "accuracy");
  EXPECT_EQ(spec.condition.comparison, MetricBound::DegradesBy);
  EXPECT_DOUBLE_EQ(spec.condition.value, 0.05);
  EXPECT_EQ(spec.condition.model, "churn");
  EXPECT_EQ(spec.condition.alias, "prod");
  EXPECT_EQ(spec.condition.metric, "auc");
  EXPECT_TRUE(spec.condition.relative);
  EXPECT_TRUE(spec.condition.lower_is_better);
  EXPECT_EQ(spec.window, 3);
  EXPECT_EQ(spec.aggregate, MetricAggregate::Median);
  EXPECT_EQ(spec.samples_metric, "rows");
  EXPECT_DOUBLE_EQ(spec.samples_at_least, 500);
  EXPECT_EQ(spec.consecutive, 2);
  ASSERT_TRUE(spec.clear);
  EXPECT_EQ(spec.clear->comparison, MetricBound::Above);
  EXPECT_EQ(spec.cooldown, Milliseconds(24 * 3600 * 1000));
  EXPECT_EQ(spec.stale_after, Milliseconds(48 * 3600 * 1000));
}

TEST(MetricTriggerParseTest, DefaultsAreTheLatestReadingOnceAndTheSourceMetric) {
  auto result =
      testing::load_text(pipeline_with("    source: {pipeline: m, stage: s, metric: auc}\n"
                                       "    condition: {degrades_by: 0.1, model: churn}\n"));
  ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics[0].message;
  const MetricTriggerSpec& spec = result.pipeline->triggers.metric[0];
  EXPECT_EQ(spec.window, 1);
  EXPECT_EQ(spec.aggregate, MetricAggregate::Last);
  EXPECT_EQ(spec.consecutive, 1);
  EXPECT_EQ(spec.condition.alias, "champion");
  EXPECT_EQ(spec.condition.metric, "auc");
  EXPECT_FALSE(spec.clear);
  EXPECT_FALSE(spec.stale_after);
}

TEST(MetricTriggerParseTest, MistakesAreReportedAtTheirPlace) {
  auto errors = testing::errors_of(
      pipeline_with("    - source: {pipeline: m, stage: s}\n"
                    "      condition: {below: 0.8, above: 0.9}\n"
                    "      window: {last: 0, agg: mea}\n"
                    "      fro: 2\n"
                    "      cooldown: -1h\n"
                    "    - source: {pipeline: m, stage: s, metric: auc, extra: 1}\n"
                    "      condition: {degrades_by: 0.05}\n"
                    "      for: 0\n"
                    "    - source: {pipeline: m, stage: s, metric: auc}\n"
                    "      condition: {below: 0.5, model: churn}\n"
                    "      clear: {below: 0.4}\n"
                    "    - {for: 2}\n"));
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "5:15: 'source' in the metric trigger needs 'pipeline', 'stage' and 'metric' "
                "(missing: metric); write source: {pipeline: churn-monitoring, stage: score, "
                "metric: accuracy}",
                "6:18: 'condition' in the metric trigger needs exactly one of below, above and "
                "degrades_by, not below and above",
                "7:22: 'last' in the metric trigger must be a whole number >= 1, not 0",
                "7:30: unknown agg 'mea' (did you mean 'mean'?); use mean, min, max, median or "
                "last",
                "8:7: unknown key 'fro' in the metric trigger (did you mean 'for'?)",
                "9:17: 'cooldown' in the metric trigger must not be negative: '-1h' (write a "
                "duration such as 24h)",
                "10:52: unknown key 'extra' in the metric trigger",
                "11:18: 'degrades_by' in the metric trigger needs 'model' (the registered model "
                "whose champion is the baseline), such as {degrades_by: 0.05, model: churn}",
                "12:12: 'for' in the metric trigger must be a whole number >= 1, not 0",
                "14:31: 'model' in the metric trigger belongs to degrades_by; remove it or use "
                "{degrades_by: X, model: M}",
                "15:14: 'clear' in the metric trigger must be on the healthy side of the "
                "condition: with {below: 0.5} write {above: X} with X >= 0.5",
                "16:7: the metric trigger needs 'source' (such as {pipeline: churn-monitoring, "
                "stage: score, metric: accuracy}) and 'condition' (such as {below: 0.8})"}));
}

TEST(MetricTriggerParseTest, TheModelAndAliasOfDegradesByAreNamesTheRegistryAccepts) {
  auto errors = testing::errors_of(
      pipeline_with("    source: {pipeline: m, stage: s, metric: auc}\n"
                    "    condition: {degrades_by: 0.05, model: ../churn, alias: v3}\n"));
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "6:43: '../churn' is not a valid model name in the metric trigger "
                        "(letters, digits, _ . -, at most 64)",
                        "6:60: 'v3' is not a valid alias name in the metric trigger (letters, "
                        "digits, _ . -, at most 64; not v<number>)"}));
}

TEST(MetricTriggerParseTest, TriggersMayBeAListOfOneKindMappings) {
  auto result = testing::load_text(
      "version: 1\nname: training\ntriggers:\n"
      "  - metric: {source: {pipeline: m, stage: s, metric: auc}, condition: {above: 0.2}}\n"
      "  - metric: {source: {pipeline: m, stage: s, metric: loss}, condition: {above: 1}}\n"
      "  - schedule: {cron: '@daily'}\n"
      "stages:\n  a: {run: x}\n");
  ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics[0].message;
  EXPECT_EQ(result.pipeline->triggers.metric.size(), 2u);
  EXPECT_EQ(result.pipeline->triggers.schedule.size(), 1u);
  EXPECT_EQ(result.pipeline->triggers.metric[1].condition.comparison, MetricBound::Above);
  auto errors = testing::errors_of(
      "version: 1\nname: training\ntriggers:\n  - cron: {}\n  - [1]\nstages:\n  a: {run: x}\n");
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "4:5: unknown trigger 'cron'; use git, data, schedule, artifact, drift or "
                        "metric",
                        "5:5: each item of a 'triggers' list must be a mapping with one kind, such "
                        "as '- metric: {...}', not a list"}));
}

}  // namespace
}  // namespace mlops
