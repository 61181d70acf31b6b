// `mlops data validate FILE --rules R` and `mlops data suggest FILE`: exit codes 0/3/2, the
// validation.json document, the JUnit file (validated with xmllint against Jenkins' schema) and
// the suggest -> validate round trip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_data = R"(id,age,country,email
1,34,SE,ada@example.com
2,130,NO,bob@example
3,NA,DK,cy@example.org
4,51,FI,
)";

constexpr const char* k_accepting = R"(version: 1
dataset:
  - rows: {min: 1}
  - unique: [id]
columns:
  age: {range: [0, 150]}
  email: {pattern: email, level: warning}
)";

constexpr const char* k_rejecting = R"(version: 1
columns:
  age: {range: [0, 120]}
  country: {in_set: [SE, NO, DK, FI]}
)";

class DataValidateTest : public WorkspaceTest {
 protected:
  void SetUp() override { ws.write("data.csv", k_data); }
};

TEST_F(DataValidateTest, AcceptedWithAWarningExitsZeroAndPrintsTheWarning) {
  ws.write("rules.yaml", k_accepting);
  CommandResult result = mlops({"data", "validate", "data.csv", "--rules", "rules.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("data.csv: 4 rows, 4 columns, 0 malformed rows; 4 checks: 3 passed, 1 "
                            "failed, 0 skipped\n"
                            "warning columns.email.pattern (warning): matching email: 1 of 3 "
                            "values fail (66.66% pass, 100% required)\n"
                            "        line 3: email=bob@example\n"
                            "verdict: accepted (0 errors, 1 warning)\n"),
            std::string::npos)
      << result.out;
  CommandResult strict =
      mlops({"data", "validate", "data.csv", "--rules", "rules.yaml", "--strict"});
  EXPECT_EQ(strict.exit_code, 3) << strict.out;
  EXPECT_NE(strict.out.find("verdict: REJECTED (0 errors, 1 warning; --strict rejects on "
                            "warnings)"),
            std::string::npos)
      << strict.out;
}

TEST_F(DataValidateTest, RejectedExitsThreeAndWritesValidationJson) {
  ws.write("rules.yaml", k_rejecting);
  CommandResult result = mlops({"data", "validate", "data.csv", "--rules", "rules.yaml", "-o",
                                "out/validation.json", "--profile-out", "out/profile.json"});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_NE(result.out.find("FAIL    columns.age.range (error): between 0 and 120: 1 of 3 values "
                            "fail (66.66% pass, 100% required)\n        line 3: age=130\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("verdict: REJECTED (1 error, 0 warnings)"), std::string::npos);
  nlohmann::json doc = nlohmann::json::parse(ws.read("out/validation.json"));
  EXPECT_EQ(doc["schema"], "mlops.validation/1");
  EXPECT_EQ(doc["source"], "data.csv");
  EXPECT_EQ(doc["rules"], "rules.yaml");
  EXPECT_EQ(doc["verdict"], "rejected");
  EXPECT_EQ(doc["summary"]["errors"], 1);
  ASSERT_EQ(doc["checks"].size(), 2u);
  EXPECT_EQ(doc["checks"][0]["id"], "columns.age.range");
  EXPECT_EQ(doc["checks"][0]["failing_rows"],
            nlohmann::json::parse(R"([{"line": 3, "values": {"age": "130"}}])"));
  EXPECT_EQ(doc["checks"][1]["verdict"], "pass");
  nlohmann::json profile = nlohmann::json::parse(ws.read("out/profile.json"));
  EXPECT_EQ(profile["schema"], "mlops.profile/1");
  EXPECT_EQ(profile["rows"], 4);
  CommandResult json = mlops({"data", "validate", "data.csv", "--rules", "rules.yaml", "--json"});
  EXPECT_EQ(json.exit_code, 3);
  EXPECT_EQ(nlohmann::json::parse(json.out)["verdict"], "rejected");
}

TEST_F(DataValidateTest, InvalidRulesExitTwoWithFileLineColumnDiagnostics) {
  ws.write("rules.yaml", "version: 1\ncolumns:\n  age: {rnage: [0, 120], mostly: high}\n");
  CommandResult result = mlops({"data", "validate", "data.csv", "--rules", "rules.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "rules.yaml:3:9: error: unknown key 'rnage' in column 'age' (did you mean 'range'?)\n"
            " 3 |   age: {rnage: [0, 120], mostly: high}\n"
            "   |         ^\n"
            "rules.yaml:3:34: error: 'mostly' in column 'age' must be a number, not a string\n"
            " 3 |   age: {rnage: [0, 120], mostly: high}\n"
            "   |                                  ^\n"
            "mlops: 2 errors in rules.yaml\n");
  EXPECT_EQ(result.out, "");
}

TEST_F(DataValidateTest, UnusableInputExitsTwo) {
  ws.write("rules.yaml", k_accepting);
  CommandResult missing = mlops({"data", "validate", "nothing.csv", "--rules", "rules.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("mlops: error: "), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("nothing.csv"), std::string::npos) << missing.err;
  CommandResult no_rules = mlops({"data", "validate", "data.csv", "--rules", "none.yaml"});
  EXPECT_EQ(no_rules.exit_code, 2);
  EXPECT_NE(no_rules.err.find("none.yaml: error: "), std::string::npos) << no_rules.err;
}

TEST_F(DataValidateTest, JunitValidatesAgainstTheJenkinsSchema) {
  ASSERT_EQ(std::system("xmllint --version > /dev/null 2>&1"), 0)
      << "xmllint is missing: apt-get install libxml2-utils (scripts/install-deps.sh does)";
  ws.write("rules.yaml", std::string(k_rejecting) + R"(  email: {pattern: email, level: warning}
dataset:
  - history: {metric: rows, max_increase: 0.5}
)");
  CommandResult result =
      mlops({"data", "validate", "data.csv", "--rules", "rules.yaml", "--junit", "out/junit.xml"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  std::string xsd = (source_dir() / "tests/data/junit-10.xsd").string();
  ShellResult verdict = run_shell("xmllint --noout --schema '" + xsd + "' '" +
                                  (ws / "out/junit.xml").string() + "' 2>&1");
  std::string xml = ws.read("out/junit.xml");
  EXPECT_EQ(verdict.status, 0) << verdict.out << xml;
  EXPECT_NE(verdict.out.find("validates"), std::string::npos) << verdict.out;
  EXPECT_NE(xml.find("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"error: between 0 and 120: 1 of 3 values fail (66.66% "
                     "pass, 100% required)\" type=\"DataCheckFailed\">line 3: age=130\n"
                     "</failure>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<system-out>warning: matching email"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<skipped message=\"no earlier accepted run with &apos;rows&apos; yet\"/>"),
            std::string::npos)
      << xml;
}

TEST_F(DataValidateTest, SuggestedRulesValidateTheSameFile) {
  std::string csv = "id,country,amount,email,joined\n";
  for (int i = 0; i < 300; ++i) {
    const char* countries[] = {"SE", "NO", "DK"};
    csv += std::to_string(1000 + i) + "," + countries[i % 3] + "," + std::to_string(i % 50) +
           ".25," + (i % 9 == 0 ? "" : "u" + std::to_string(i) + "@example.com") + ",2024-01-" +
           std::to_string(10 + i % 20) + "\n";
  }
  ws.write("train.csv", csv);
  CommandResult suggest = mlops({"data", "suggest", "train.csv", "-o", "rules.yaml"});
  ASSERT_EQ(suggest.exit_code, 0) << suggest.err;
  EXPECT_NE(suggest.err.find("wrote rules.yaml ("), std::string::npos) << suggest.err;
  std::string rules = ws.read("rules.yaml");
  EXPECT_NE(rules.find("    # complete: no nulls in 300 rows (CompleteIfCompleteRule)\n"
                       "    not_null: true\n"),
            std::string::npos)
      << rules;
  EXPECT_NE(rules.find("in_set: [DK, \"NO\", SE]"), std::string::npos) << rules;
  EXPECT_NE(rules.find("unique: true"), std::string::npos) << rules;
  EXPECT_NE(rules.find("type: date"), std::string::npos) << rules;
  CommandResult validate = mlops({"data", "validate", "train.csv", "--rules", "rules.yaml"});
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err << rules;
  EXPECT_NE(validate.out.find(" failed, 0 skipped\nverdict: accepted (0 errors, 0 warnings)\n"),
            std::string::npos)
      << validate.out;
  CommandResult printed = mlops({"data", "suggest", "train.csv"});
  EXPECT_EQ(printed.exit_code, 0);
  EXPECT_EQ(printed.out, rules);
}

TEST_F(DataValidateTest, ValidateStageRejectsTheRunAndRecordsItsMetrics) {
  ws.write("rules.yaml", k_rejecting);
  ws.write("pipeline.yaml", R"(version: 1
name: checked
stages:
  check:
    uses: validate
    with: {data: data.csv, rules: rules.yaml}
  train:
    run: "echo model > model.txt"
    deps: [reports/check/validation.json]
    outs: [model.txt]
)");
  CommandResult r = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_FALSE(ws.exists("model.txt"));
  ASSERT_TRUE(ws.exists("reports/check/validation.json")) << r.err;
  EXPECT_EQ(nlohmann::json::parse(ws.read("reports/check/validation.json"))["verdict"], "rejected");
  EXPECT_EQ(store_value("SELECT status FROM executions WHERE stage = 'check'"), "rejected");
  EXPECT_EQ(store_value("SELECT value FROM metrics WHERE key = 'validate.errors'"), "1.0");
  EXPECT_EQ(store_value("SELECT value FROM metrics WHERE key = 'data.rows'"), "4.0");
  EXPECT_EQ(store_value("SELECT kind FROM artifacts WHERE path = 'reports/check/validation.json'"),
            "validation");
}

}  // namespace
}  // namespace mlops::e2e
