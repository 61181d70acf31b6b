// validation.json, the JUnit file and suggested rules, from real validations of small files.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "quality/rules_parser.hpp"
#include "quality/suggest.hpp"
#include "quality/validation_json.hpp"
#include "quality/validation_junit.hpp"
#include "quality/validator.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

class ValidationOutputTest : public ::testing::Test {
 protected:
  ValidationReport validate(const std::string& csv, const std::string& rules_text,
                            const MetricHistory& history = {}) {
    data = dir.path() / "data.csv";
    std::ofstream(data) << csv;
    RulesLoad load = load_rules_text(rules_text, "rules.yaml");
    EXPECT_TRUE(load.rules);
    rules = load.rules.value_or(RuleSet{});
    ValidationOptions options;
    options.history = history;
    apply_input_spec(rules.input, options.read, options.profile);
    Result<ValidationReport> report = validate_file(data, "data.csv", "rules.yaml", rules, options);
    EXPECT_TRUE(report.ok());
    return report.ok() ? std::move(*report) : ValidationReport();
  }

  testing::TempDir dir;
  std::filesystem::path data;
  RuleSet rules;
};

constexpr const char* k_csv =
    "id,age,email\n1,34,a@example.com\n2,130,b@example\n3,,c@example.org\n";
constexpr const char* k_rules = R"(version: 1
dataset:
  - rows: {min: 1}
  - history: {metric: rows, max_increase: 1}
columns:
  age: {range: [0, 120]}
  email: {pattern: email, level: warning}
)";

TEST_F(ValidationOutputTest, JsonHasEveryCheckWithMeasuredThresholdAndFailingRows) {
  ValidationReport report = validate(k_csv, k_rules);
  nlohmann::json doc = nlohmann::json::parse(validation_to_json(report, false));
  EXPECT_EQ(doc["schema"], "mlops.validation/1");
  EXPECT_EQ(doc["verdict"], "rejected");
  EXPECT_EQ(doc["rows"], 3);
  EXPECT_EQ(doc["columns"], nlohmann::json({"id", "age", "email"}));
  EXPECT_EQ(doc["summary"], nlohmann::json({{"checks", 4},
                                            {"passed", 1},
                                            {"failed", 2},
                                            {"skipped", 1},
                                            {"errors", 1},
                                            {"warnings", 1}}));
  const nlohmann::json& range = doc["checks"][2];
  EXPECT_EQ(range["id"], "columns.age.range");
  EXPECT_EQ(range["verdict"], "fail");
  EXPECT_EQ(range["level"], "error");
  EXPECT_DOUBLE_EQ(range["measured"].get<double>(), 0.5);
  EXPECT_EQ(range["threshold"], nlohmann::json({{"min", 0}, {"max", 120}, {"mostly", 1}}));
  EXPECT_EQ(range["values_checked"], 2);
  EXPECT_EQ(range["values_failed"], 1);
  EXPECT_EQ(range["failing_rows"],
            nlohmann::json::parse(R"([{"line": 3, "values": {"age": "130"}}])"));
  const nlohmann::json& history = doc["checks"][1];
  EXPECT_EQ(history["verdict"], "skipped");
  EXPECT_EQ(history["note"], "no earlier accepted run with 'rows' yet");
  EXPECT_EQ(history["threshold"]["metric"], "rows");
  nlohmann::json strict = nlohmann::json::parse(validation_to_json(report, true));
  EXPECT_EQ(strict["strict"], true);
}

TEST_F(ValidationOutputTest, JunitHasATestcasePerCheck) {
  ValidationReport report = validate(k_csv, k_rules);
  std::string xml = validation_junit_xml(report, JunitValidationInfo{.seconds = 0.25});
  EXPECT_NE(xml.find("<testsuite name=\"data.csv\" tests=\"4\" failures=\"1\" errors=\"0\" "
                     "skipped=\"1\" time=\"0.250\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase name=\"columns.age.range\" classname=\"mlops.data.validate\" "
                     "time=\"0\">\n      <failure message=\"error: between 0 and 120: 1 of 2 "
                     "values fail (50.00% pass, 100% required)\" type=\"DataCheckFailed\">line "
                     "3: age=130\n</failure>"),
            std::string::npos)
      << xml;
  // A warning passes, with its text in system-out; under --strict it fails.
  EXPECT_NE(xml.find("<system-out>warning: matching email: 1 of 3 values fail"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<skipped message=\"no earlier accepted run with &apos;rows&apos; yet\"/>"),
            std::string::npos)
      << xml;
  std::string strict = validation_junit_xml(report, JunitValidationInfo{.strict = true});
  EXPECT_NE(strict.find("failures=\"2\""), std::string::npos) << strict;
  EXPECT_NE(strict.find("<failure message=\"warning: matching email"), std::string::npos) << strict;
}

TEST_F(ValidationOutputTest, SuggestedRulesParseAndAcceptTheirOwnData) {
  std::string csv = "id,country,amount,email,score\n";
  for (int i = 0; i < 500; ++i) {
    const char* countries[] = {"SE", "NO", "DK", "FI"};
    csv += std::to_string(i + 1) + "," + countries[i % 4] + "," + std::to_string(i * 3 % 97) + "," +
           (i % 10 == 0 ? std::string() : "u" + std::to_string(i) + "@example.com") + "," +
           std::to_string(i % 7 - 3) + ".5\n";
  }
  ValidationReport profiled = validate(csv, "version: 1\ndataset:\n  - rows: {min: 0}\n");
  RuleSuggestion suggestion = suggest_rules(profiled.profile, InputSpec{});
  ValidationOptions options;
  Result<ValidationReport> first =
      validate_file(data, "data.csv", "(suggested)", suggestion_rule_set(suggestion), options);
  ASSERT_TRUE(first.ok());
  drop_failed_suggestions(suggestion, *first);
  std::string yaml = suggestion_yaml(suggestion);
  RulesLoad load = load_rules_text(yaml, "suggested.yaml");
  ASSERT_TRUE(load.rules) << yaml << render_diagnostic(load.diagnostics.at(0));
  Result<ValidationReport> again =
      validate_file(data, "data.csv", "suggested.yaml", *load.rules, options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->passed(), again->checks.size()) << yaml;
  std::vector<std::string> ids;
  for (const CheckSpec& check : load.rules->checks)
    ids.push_back(check.id);
  std::vector<std::string> expected = {"dataset.rows",
                                       "dataset.columns",
                                       "dataset.malformed_rows",
                                       "columns.id.not_null",
                                       "columns.id.type",
                                       "columns.id.min",
                                       "columns.id.unique",
                                       "columns.country.not_null",
                                       "columns.country.in_set",
                                       "columns.amount.not_null",
                                       "columns.amount.type",
                                       "columns.amount.min",
                                       "columns.email.completeness",
                                       "columns.score.not_null",
                                       "columns.score.type"};
  EXPECT_EQ(ids, expected) << yaml;
  EXPECT_NE(yaml.find("    # complete: no nulls in 500 rows (CompleteIfCompleteRule)\n"
                      "    not_null: true\n"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("in_set: [DK, FI, \"NO\", SE]"), std::string::npos) << yaml;
}

TEST(YamlScalarTest, QuotesWhatWouldNotReadBackAsTheSameString) {
  EXPECT_EQ(yaml_scalar("SE"), "SE");
  EXPECT_EQ(yaml_scalar("no"), "\"no\"");
  EXPECT_EQ(yaml_scalar("12"), "\"12\"");
  EXPECT_EQ(yaml_scalar("a b"), "\"a b\"");
  EXPECT_EQ(yaml_scalar("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
  EXPECT_EQ(yaml_scalar(""), "\"\"");
  EXPECT_EQ(yaml_scalar("tab\there"), "\"tab\\there\"");
}

}  // namespace
}  // namespace mlops
