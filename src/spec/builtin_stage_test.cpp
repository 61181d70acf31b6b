#include "spec/builtin_stage.hpp"

#include <gtest/gtest.h>

#include "spec/spec_test_util.hpp"

namespace mlops {
namespace {

using testing::errors_of;
using testing::load_text;

std::string pipeline_with(const std::string& stages) {
  return "version: 1\nname: p\nparams: {src: 'data/a b.csv'}\nstages:\n" + stages;
}

TEST(BuiltinStageTest, ValidateBecomesTheMlopsCommandWithItsDepsOutsAndMetrics) {
  auto result = load_text(pipeline_with(
      "  check:\n    uses: validate\n    with: {data: '${params.src}', rules: rules.yaml, "
      "null_values: [NA, '-'], header: false}\n"));
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  const Stage& stage = result.pipeline->stages[0];
  EXPECT_EQ(stage.builtin, "validate");
  EXPECT_EQ(stage.command_kind, CommandKind::Argv);
  EXPECT_EQ(stage.argv, (std::vector<std::string>{
                            "mlops", "data", "validate", "--rules=rules.yaml",
                            "--output=reports/check/validation.json",
                            "--junit=reports/check/validation.junit.xml", "--no-header",
                            "--null-value=NA", "--null-value=-",
                            "--metrics-out=reports/check/metrics.json", "--", "data/a b.csv"}));
  ASSERT_EQ(stage.deps.size(), 2u);
  EXPECT_EQ(stage.deps[0].value, "data/a b.csv");
  EXPECT_EQ(stage.deps[1].value, "rules.yaml");
  ASSERT_EQ(stage.outs.size(), 2u);
  EXPECT_EQ(stage.out_types[0], "validation");
  ASSERT_EQ(stage.metrics.size(), 1u);
  EXPECT_EQ(stage.metrics[0].value, "reports/check/metrics.json");
}

TEST(BuiltinStageTest, DriftTakesListsAndItsOwnReportsDirectory) {
  auto result = load_text(pipeline_with(
      "  d:\n    uses: drift\n    with: {reference: r.json, current: c.csv, critical: [a, b], "
      "reports: out/d, fail: 0.3}\n"));
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  EXPECT_EQ(
      result.pipeline->stages[0].argv,
      (std::vector<std::string>{"mlops", "data", "drift", "--reference=r.json", "--current=c.csv",
                                "--output=out/d/drift.json", "--fail=0.3", "--critical=a",
                                "--critical=b", "--metrics-out=out/d/metrics.json", "--"}));
  EXPECT_EQ(result.pipeline->stages[0].out_types[0], "drift");
}

TEST(BuiltinStageTest, ProfileTakesThreads) {
  auto result =
      load_text(pipeline_with("  prof:\n    uses: profile\n    with: {data: d.csv, threads: 2}\n"));
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  EXPECT_EQ(result.pipeline->stages[0].argv,
            (std::vector<std::string>{"mlops", "data", "profile",
                                      "--output=reports/prof/profile.json", "--threads=2",
                                      "--metrics-out=reports/prof/metrics.json", "--", "d.csv"}));
}

TEST(BuiltinStageTest, ErrorsSayWhatIsWrongAndWhere) {
  EXPECT_EQ(errors_of(pipeline_with("  a:\n    uses: profil\n    with: {data: x}\n")),
            (std::vector<std::string>{"6:11: unknown built-in stage 'uses: profil' in stage 'a' "
                                      "(did you mean 'profile'?); use one of profile, validate, "
                                      "drift"}));
  EXPECT_EQ(errors_of(pipeline_with("  a:\n    uses: validate\n    with: {data: x}\n")),
            (std::vector<std::string>{"6:11: 'uses: validate' in stage 'a' needs 'with: {rules: "
                                      "...}'"}));
  EXPECT_EQ(errors_of(pipeline_with("  a:\n    uses: profile\n    run: x\n    with: {data: x}\n")),
            (std::vector<std::string>{"6:11: stage 'a' has 'uses' and a command; a built-in "
                                      "stage has no 'run' or 'cmd'"}));
  EXPECT_EQ(errors_of(pipeline_with("  a:\n    run: x\n    with: {data: x}\n")),
            (std::vector<std::string>{"7:11: 'with' in stage 'a' gives arguments to a built-in "
                                      "stage; add 'uses: profile|validate|drift'"}));
  EXPECT_EQ(errors_of(pipeline_with("  a:\n    uses: profile\n    with: {data: [x, y]}\n")),
            (std::vector<std::string>{"7:11: 'data' of stage 'a' takes one value, not a list"}));
  EXPECT_EQ(errors_of(pipeline_with("  a:\n    uses: profile\n    with: {data: {x: 1}}\n")),
            (std::vector<std::string>{"7:18: 'data' in stage 'a' must be a string, number, "
                                      "boolean or a list of them, not a mapping"}));
  EXPECT_EQ(errors_of(pipeline_with("  a:\n    uses: profile\n    matrix: {m: [1, 2]}\n"
                                    "    with: {data: x}\n")),
            (std::vector<std::string>{"6:11: stage 'a' has a matrix: give 'with: {reports: DIR}' "
                                      "with ${matrix...} in it, so its combinations write apart"}));
}

TEST(BuiltinStageTest, OutputsOutsideTheWorkspaceAreRefusedLikeAnyOut) {
  auto errors =
      errors_of(pipeline_with("  a:\n    uses: profile\n    with: {data: x, output: "
                              "../elsewhere.json}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("../elsewhere.json"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace mlops

namespace mlops {
namespace {

TEST(DriftTriggerParseTest, ThresholdsAndRowCountsMustBeFiniteDecimals) {
  auto errors = testing::errors_of(
      "version: 1\nname: p\ntriggers:\n  drift: {current: 'a/*.csv', reference: r.csv, "
      "warn: .inf, fail: 1e999, min_rows: 0x10}\nstages:\n  a: {run: x}\n");
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("'warn' in the drift trigger must be a finite decimal number, not "
                           "'.inf'"),
            std::string::npos)
      << errors[0];
  EXPECT_NE(errors[1].find("'fail' in the drift trigger must be a finite decimal number"),
            std::string::npos)
      << errors[1];
  EXPECT_NE(errors[2].find("'min_rows' in the drift trigger must be a whole number >= 0"),
            std::string::npos)
      << errors[2];
}

}  // namespace
}  // namespace mlops
