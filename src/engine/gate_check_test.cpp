#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/gate_check.hpp"

namespace mlops {
namespace {

GateCheckSpec check(const std::string& metric, const std::string& direction = "higher") {
  GateCheckSpec spec;
  spec.metric = metric;
  spec.direction = direction;
  return spec;
}

GateSpec gate_with(std::vector<GateCheckSpec> checks, bool pass_without_baseline = true) {
  GateSpec gate;
  gate.model = "churn";
  gate.baseline = "champion";
  gate.pass_without_baseline = pass_without_baseline;
  gate.checks = std::move(checks);
  return gate;
}

GateMetrics metrics(std::map<std::string, double> values) {
  return GateMetrics{std::move(values), {}};
}

GateBaseline baseline_of(std::map<std::string, double> values) {
  return GateBaseline{true, false, metrics(std::move(values))};
}

const GateBaseline k_no_baseline{};

TEST(GateCheckTest, BoundsAreInclusive) {
  auto spec = check("auc");
  spec.min = 0.8;
  spec.max = 0.9;
  auto gate = gate_with({spec});
  EXPECT_EQ(evaluate_gate(gate, metrics({{"auc", 0.8}}), k_no_baseline).verdict, "passed");
  EXPECT_EQ(evaluate_gate(gate, metrics({{"auc", 0.9}}), k_no_baseline).verdict, "passed");
  auto below = evaluate_gate(gate, metrics({{"auc", 0.7999}}), k_no_baseline);
  EXPECT_EQ(below.verdict, "failed");
  EXPECT_EQ(below.checks[0].message, "auc 0.7999 < min 0.8");
  EXPECT_EQ(evaluate_gate(gate, metrics({{"auc", 0.9001}}), k_no_baseline).verdict, "failed");
}

TEST(GateCheckTest, MissingNonNumericAndNanCandidateValuesFail) {
  auto spec = check("auc");
  spec.min = 0.5;
  auto gate = gate_with({spec});
  auto missing = evaluate_gate(gate, metrics({{"acc", 0.9}}), k_no_baseline);
  EXPECT_EQ(missing.verdict, "failed");
  EXPECT_NE(missing.checks[0].message.find("missing"), std::string::npos);
  GateMetrics text;
  text.non_numeric.insert("auc");
  auto not_number = evaluate_gate(gate, text, k_no_baseline);
  EXPECT_NE(not_number.checks[0].message.find("not a number"), std::string::npos);
  auto nan = evaluate_gate(gate, metrics({{"auc", std::nan("")}}), k_no_baseline);
  EXPECT_EQ(nan.verdict, "failed");
  EXPECT_EQ(nan.checks[0].message, "auc is NaN");
}

TEST(GateCheckTest, EveryCheckMustPass) {
  auto auc = check("auc");
  auc.min = 0.8;
  auto latency = check("latency", "lower");
  latency.max = 50;
  auto gate = gate_with({auc, latency});
  EXPECT_EQ(evaluate_gate(gate, metrics({{"auc", 0.85}, {"latency", 49}}), k_no_baseline).verdict,
            "passed");
  EXPECT_EQ(evaluate_gate(gate, metrics({{"auc", 0.85}, {"latency", 51}}), k_no_baseline).verdict,
            "failed");
}

TEST(GateCheckTest, NoBaselinePassesOrFailsAsConfigured) {
  auto spec = check("auc");
  spec.min = 0.5;
  spec.min_delta = 0;
  auto first_run = evaluate_gate(gate_with({spec}), metrics({{"auc", 0.7}}), k_no_baseline);
  EXPECT_EQ(first_run.verdict, "passed_without_baseline");
  EXPECT_EQ(first_run.checks[1].verdict, "skipped");
  auto strict = evaluate_gate(gate_with({spec}, false), metrics({{"auc", 0.7}}), k_no_baseline);
  EXPECT_EQ(strict.verdict, "failed");
  EXPECT_NE(strict.checks[1].message.find("on_missing_baseline: fail"), std::string::npos);
  // Value checks still apply without a baseline.
  auto low = evaluate_gate(gate_with({spec}), metrics({{"auc", 0.4}}), k_no_baseline);
  EXPECT_EQ(low.verdict, "failed");
}

TEST(GateCheckTest, AbsoluteChangeInBothDirectionsWithTolerance) {
  auto higher = check("auc");
  higher.min_delta = 0.05;
  auto gate = gate_with({higher});
  // 0.85 - 0.80 is 0.04999999999999993 in doubles: still the 0.05 asked for.
  EXPECT_EQ(evaluate_gate(gate, metrics({{"auc", 0.85}}), baseline_of({{"auc", 0.80}})).verdict,
            "passed");
  EXPECT_EQ(evaluate_gate(gate, metrics({{"auc", 0.84}}), baseline_of({{"auc", 0.80}})).verdict,
            "failed");
  auto lower = check("loss", "lower");
  lower.min_delta = 0.1;
  auto loss_gate = gate_with({lower});
  EXPECT_EQ(
      evaluate_gate(loss_gate, metrics({{"loss", 0.4}}), baseline_of({{"loss", 0.5}})).verdict,
      "passed");
  EXPECT_EQ(
      evaluate_gate(loss_gate, metrics({{"loss", 0.45}}), baseline_of({{"loss", 0.5}})).verdict,
      "failed");
}

TEST(GateCheckTest, NotWorseThanTheChampion) {
  auto spec = check("auc");
  spec.max_regression = 0;
  auto gate = gate_with({spec});
  EXPECT_EQ(evaluate_gate(gate, metrics({{"auc", 0.8}}), baseline_of({{"auc", 0.8}})).verdict,
            "passed");
  auto worse = evaluate_gate(gate, metrics({{"auc", 0.79}}), baseline_of({{"auc", 0.8}}));
  EXPECT_EQ(worse.verdict, "failed");
  EXPECT_EQ(*worse.checks[0].baseline, 0.8);
  EXPECT_EQ(*worse.checks[0].threshold, 0);
  auto latency = check("latency", "lower");
  latency.max_regression = 5;
  auto latency_gate = gate_with({latency});
  EXPECT_EQ(evaluate_gate(latency_gate, metrics({{"latency", 45}}), baseline_of({{"latency", 40}}))
                .verdict,
            "passed");
  EXPECT_EQ(evaluate_gate(latency_gate, metrics({{"latency", 46}}), baseline_of({{"latency", 40}}))
                .verdict,
            "failed");
}

TEST(GateCheckTest, RelativeChangeUsesTheMagnitudeOfTheBaseline) {
  auto spec = check("score");
  spec.min_rel_delta = 0.1;
  auto gate = gate_with({spec});
  EXPECT_EQ(evaluate_gate(gate, metrics({{"score", 1.1}}), baseline_of({{"score", 1.0}})).verdict,
            "passed");
  EXPECT_EQ(evaluate_gate(gate, metrics({{"score", 1.09}}), baseline_of({{"score", 1.0}})).verdict,
            "failed");
  // A negative baseline: -0.9 is 10 % better than -1.0, not 10 % worse.
  EXPECT_EQ(evaluate_gate(gate, metrics({{"score", -0.9}}), baseline_of({{"score", -1.0}})).verdict,
            "passed");
  EXPECT_EQ(evaluate_gate(gate, metrics({{"score", -1.1}}), baseline_of({{"score", -1.0}})).verdict,
            "failed");
}

TEST(GateCheckTest, RelativeChangeFromAZeroBaseline) {
  auto spec = check("score");
  spec.min_rel_delta = 0.5;
  auto gate = gate_with({spec});
  // Any improvement over 0 is an infinite relative improvement; none is 0; any loss is -inf.
  auto better = evaluate_gate(gate, metrics({{"score", 1e-6}}), baseline_of({{"score", 0}}));
  EXPECT_EQ(better.verdict, "passed");
  EXPECT_NE(better.checks[0].message.find("baseline 0"), std::string::npos);
  EXPECT_EQ(evaluate_gate(gate, metrics({{"score", 0}}), baseline_of({{"score", 0}})).verdict,
            "failed");
  auto tolerant = check("score");
  tolerant.min_rel_delta = 0;
  EXPECT_EQ(
      evaluate_gate(gate_with({tolerant}), metrics({{"score", 0}}), baseline_of({{"score", 0}}))
          .verdict,
      "passed");
  EXPECT_EQ(
      evaluate_gate(gate_with({tolerant}), metrics({{"score", -1e-6}}), baseline_of({{"score", 0}}))
          .verdict,
      "failed");
}

TEST(GateCheckTest, BaselineWithoutTheValueOrNanFails) {
  auto spec = check("auc");
  spec.min_delta = 0;
  auto gate = gate_with({spec});
  auto forced = evaluate_gate(gate, metrics({{"auc", 0.9}}), GateBaseline{true, false, {}});
  EXPECT_EQ(forced.verdict, "failed");
  EXPECT_NE(forced.checks[0].message.find("no value recorded"), std::string::npos);
  auto nan = evaluate_gate(gate, metrics({{"auc", 0.9}}), baseline_of({{"auc", std::nan("")}}));
  EXPECT_EQ(nan.verdict, "failed");
}

TEST(GateCheckTest, TheCandidateIsNotComparedWithItself) {
  auto spec = check("auc");
  spec.min_delta = 0.01;
  spec.min = 0.5;
  GateBaseline same{true, true, metrics({{"auc", 0.8}})};
  auto outcome = evaluate_gate(gate_with({spec}), metrics({{"auc", 0.8}}), same);
  EXPECT_EQ(outcome.verdict, "passed");
  EXPECT_EQ(outcome.checks[1].verdict, "skipped");
}

TEST(GateCheckTest, EverySliceMustPassAndSomeSliceMustMatch) {
  auto spec = check("auc");
  spec.slices = "region=*";
  spec.min = 0.7;
  auto gate = gate_with({spec});
  auto all = metrics({{"auc", 0.9},
                      {"slices.region=eu.auc", 0.75},
                      {"slices.region=us.auc", 0.8},
                      {"slices.plan=pro.auc", 0.1}});
  auto passed = evaluate_gate(gate, all, k_no_baseline);
  EXPECT_EQ(passed.verdict, "passed");
  ASSERT_EQ(passed.checks.size(), 2u);  // plan=pro does not match
  EXPECT_EQ(passed.checks[0].slice, "region=eu");
  all.values["slices.region=apac.auc"] = 0.69;
  auto failed = evaluate_gate(gate, all, k_no_baseline);
  EXPECT_EQ(failed.verdict, "failed");
  EXPECT_EQ(failed.checks[0].message, "slices.region=apac.auc 0.69 < min 0.7");
  auto none = evaluate_gate(gate, metrics({{"auc", 0.9}}), k_no_baseline);
  EXPECT_EQ(none.verdict, "failed");
  EXPECT_NE(none.checks[0].message.find("no slice matches 'region=*'"), std::string::npos);
  // A slice the baseline never had fails a change check.
  auto delta = check("auc");
  delta.slices = "region=*";
  delta.max_regression = 0;
  auto compared = evaluate_gate(gate_with({delta}), metrics({{"slices.region=eu.auc", 0.8}}),
                                baseline_of({{"slices.region=us.auc", 0.8}}));
  EXPECT_EQ(compared.verdict, "failed");
}

TEST(GateCheckTest, MinimumSample) {
  auto spec = check("example_count");
  spec.min = 1000;
  auto gate = gate_with({spec});
  EXPECT_EQ(evaluate_gate(gate, metrics({{"example_count", 999}}), k_no_baseline).verdict,
            "failed");
  EXPECT_EQ(evaluate_gate(gate, metrics({{"example_count", 1000}}), k_no_baseline).verdict,
            "passed");
}

TEST(GateCheckTest, ReadsPythonsNanAndInfinityAndNesting) {
  auto read = read_gate_metrics(
      {R"({"auc": NaN, "loss": Infinity, "neg": -Infinity, "note": "NaN here", "ok": true,)"
       R"( "slices": {"region=eu": {"auc": 0.7}}, "nothing": null})"});
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(std::isnan(read->values.at("auc")));
  EXPECT_TRUE(std::isinf(read->values.at("loss")));
  EXPECT_LT(read->values.at("neg"), 0);
  EXPECT_EQ(read->values.at("ok"), 1);
  EXPECT_EQ(read->values.at("slices.region=eu.auc"), 0.7);
  EXPECT_TRUE(read->non_numeric.count("note"));
  EXPECT_TRUE(read->non_numeric.count("nothing"));
  EXPECT_FALSE(read_gate_metrics({"{not json"}).ok());
  // Stored and read back: NaN survives as null.
  auto back = parse_gate_metrics_json(gate_metrics_json(*read));
  EXPECT_TRUE(std::isnan(back.values.at("auc")));
  EXPECT_EQ(back.values.at("slices.region=eu.auc"), 0.7);
}

}  // namespace
}  // namespace mlops
