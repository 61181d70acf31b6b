#include "quality/validator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "quality/rules_parser.hpp"
#include "quality/validation_json.hpp"
#include "quality/validation_junit.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

class ValidatorTest : public ::testing::Test {
 protected:
  // Validates `csv` (written to data.csv) against the rules text; fails the test on errors.
  ValidationReport validate(const std::string& csv, const std::string& rules_text,
                            ValidationOptions options = {}) {
    std::filesystem::path data = dir.path() / "data.csv";
    std::ofstream(data) << csv;
    RulesLoad load = load_rules_text(rules_text, "rules.yaml");
    std::string problems;
    for (const Diagnostic& d : load.diagnostics)
      problems += render_diagnostic(d);
    EXPECT_TRUE(load.rules) << problems;
    if (!load.rules)
      return ValidationReport();
    apply_input_spec(load.rules->input, options.read, options.profile);
    rules = *load.rules;
    Result<ValidationReport> report = validate_file(data, "data.csv", "rules.yaml", rules, options);
    EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message());
    return report.ok() ? std::move(*report) : ValidationReport();
  }

  static const CheckResult& check(const ValidationReport& report, const std::string& id) {
    for (const CheckResult& r : report.checks) {
      if (r.spec.id == id)
        return r;
    }
    ADD_FAILURE() << "no check " << id;
    static CheckResult none;
    return none;
  }

  testing::TempDir dir;
  RuleSet rules;
};

constexpr const char* k_people = R"(id,age,country,email,start,end
1,34,SE,ada@example.com,2024-01-01,2024-02-01
2,130,NO,bob@example,2024-01-05,2024-01-04
3,NA,DK,cy@example.org,2024-02-01,2024-03-01
4,51,XX,,2024-03-01,2024-03-01
4,-1,SE,dee@example.com,2024-04-01,2024-05-01
)";

TEST_F(ValidatorTest, RowLevelChecksCountFailuresAndKeepTheRowsWithLineNumbers) {
  ValidationReport report = validate(k_people, R"(version: 1
columns:
  age: {range: [0, 120]}
  country: {in_set: [SE, NO, DK, FI]}
  email: {pattern: email}
relations:
  - compare: {left: start, op: "<=", right: end}
)");
  const CheckResult& range = check(report, "columns.age.range");
  EXPECT_EQ(range.verdict, Verdict::Fail);
  EXPECT_EQ(range.evaluated, 4u);  // "NA" is a null: not checked
  EXPECT_EQ(range.failed, 2u);
  ASSERT_EQ(range.failing_rows.size(), 2u);
  EXPECT_EQ(range.failing_rows[0].line, 3u);
  EXPECT_EQ(range.failing_rows[0].values,
            (std::vector<std::pair<std::string, std::string>>{{"age", "130"}}));
  EXPECT_EQ(range.failing_rows[1].line, 6u);
  EXPECT_DOUBLE_EQ(*range.measured, 0.5);
  EXPECT_EQ(range.summary, "between 0 and 120: 2 of 4 values fail (50.00% pass, 100% required)");

  const CheckResult& set = check(report, "columns.country.in_set");
  EXPECT_EQ(set.failed, 1u);
  EXPECT_EQ(set.failing_rows.at(0).line, 5u);
  const CheckResult& email = check(report, "columns.email.pattern");
  EXPECT_EQ(email.evaluated, 4u);  // the empty one is a null
  EXPECT_EQ(email.failed, 1u);
  EXPECT_EQ(email.failing_rows.at(0).values.at(0).second, "bob@example");
  const CheckResult& compare = check(report, "relations.0.compare");
  EXPECT_EQ(compare.failed, 1u);
  EXPECT_EQ(compare.failing_rows.at(0).line, 3u);
  EXPECT_EQ(compare.failing_rows.at(0).values,
            (std::vector<std::pair<std::string, std::string>>{{"start", "2024-01-05"},
                                                              {"end", "2024-01-04"}}));
  EXPECT_EQ(report.failed_errors(), 4u);
  EXPECT_TRUE(report.rejected(false));
}

TEST_F(ValidatorTest, MostlyIsTheFractionOfNonNullValuesThatMustPass) {
  std::string rules = R"(version: 1
columns:
  age: {range: {min: 0, max: 120, mostly: MOSTLY}}
)";
  auto with = [&](const char* mostly) {
    std::string text = rules;
    text.replace(text.find("MOSTLY"), 6, mostly);
    return check(validate(k_people, text), "columns.age.range").verdict;
  };
  EXPECT_EQ(with("0.5"), Verdict::Pass);  // 2 of 4 pass
  EXPECT_EQ(with("0.51"), Verdict::Fail);
  EXPECT_EQ(with("0"), Verdict::Pass);
}

TEST_F(ValidatorTest, NotNullTypeAndLength) {
  ValidationReport report = validate(k_people, R"(version: 1
columns:
  email: {not_null: true, length: {min: 1, max: 15}}
  age: {type: int}
  country: {type: string, length: 2}
)");
  const CheckResult& not_null = check(report, "columns.email.not_null");
  EXPECT_EQ(not_null.verdict, Verdict::Fail);
  EXPECT_EQ(not_null.evaluated, 5u);
  EXPECT_EQ(not_null.failed, 1u);
  EXPECT_EQ(not_null.failing_rows.at(0).line, 5u);
  const CheckResult& length = check(report, "columns.email.length");
  EXPECT_EQ(length.failed, 0u);  // ada@example.com is 15
  EXPECT_EQ(length.verdict, Verdict::Pass);
  EXPECT_EQ(check(report, "columns.age.type").verdict, Verdict::Pass);
  EXPECT_EQ(check(report, "columns.country.type").verdict, Verdict::Pass);
  EXPECT_EQ(check(report, "columns.country.length").verdict, Verdict::Pass);
  ValidationReport floats =
      validate("x\n1\n2.5\nabc\n", "version: 1\ncolumns:\n  x: {type: int}\n");
  const CheckResult& type = check(floats, "columns.x.type");
  EXPECT_EQ(type.failed, 2u);
  EXPECT_EQ(type.failing_rows.at(0).line, 3u);
  EXPECT_EQ(type.failing_rows.at(1).line, 4u);
}

TEST_F(ValidatorTest, UniqueIsExactOnOneOrSeveralColumns) {
  ValidationReport report = validate(k_people, R"(version: 1
dataset:
  - unique: [id]
  - unique: [id, country]
columns:
  country: {unique: true}
)");
  const CheckResult& id = check(report, "dataset.unique.id");
  EXPECT_EQ(id.verdict, Verdict::Fail);
  EXPECT_EQ(id.evaluated, 5u);
  EXPECT_EQ(id.failed, 1u);
  EXPECT_EQ(*id.measured, 1);
  ASSERT_EQ(id.failing_rows.size(), 1u);
  EXPECT_EQ(id.failing_rows[0].line, 6u);
  EXPECT_EQ(check(report, "dataset.unique.id+country").verdict, Verdict::Pass);
  const CheckResult& country = check(report, "columns.country.unique");
  EXPECT_EQ(country.failed, 1u);  // SE twice
  EXPECT_FALSE(country.approximate);
}

TEST_F(ValidatorTest, UniquePastItsMemoryCapFallsBackToTheEstimate) {
  std::string csv = "id\n";
  for (int i = 0; i < 20000; ++i)
    csv += std::to_string(i) + "\n";
  ValidationOptions options;
  options.unique_max_bytes = 16 * 1024;  // 2048 slots: about 1433 keys
  ValidationReport report = validate(csv, "version: 1\ndataset:\n  - unique: [id]\n", options);
  const CheckResult& unique = check(report, "dataset.unique.id");
  EXPECT_TRUE(unique.approximate);
  EXPECT_EQ(unique.verdict, Verdict::Pass);
  EXPECT_NE(unique.note.find("exact checking stopped at line"), std::string::npos) << unique.note;
  std::string repeated = "id\n";
  for (int i = 0; i < 20000; ++i)
    repeated += std::to_string(i % 10000) + "\n";
  ValidationReport twice = validate(repeated, "version: 1\ndataset:\n  - unique: [id]\n", options);
  EXPECT_EQ(check(twice, "dataset.unique.id").verdict, Verdict::Fail);
}

TEST_F(ValidatorTest, ProfileLevelChecksPassAndFail) {
  ValidationReport report = validate(k_people, R"(version: 1
dataset:
  - rows: {min: 5, max: 5}
  - columns: {required: [id, age, salary]}
  - columns: {exact: [id, age, country, email, start, end]}
    id: exact
  - columns: {forbidden: [email]}
    id: no_pii
  - malformed_rows: {max: 0}
columns:
  age: {completeness: 0.8, min: 0, max: {max: 200}, mean: {min: 40, max: 60}, stddev: {max: 10}}
  country: {distinct: {max: 3}}
  id: {quantile: {q: 0.5, min: 2, max: 4}}
)");
  EXPECT_EQ(check(report, "dataset.rows").verdict, Verdict::Pass);
  const CheckResult& columns = check(report, "dataset.columns");
  EXPECT_EQ(columns.verdict, Verdict::Fail);
  EXPECT_EQ(columns.measured_text, "missing: salary");
  EXPECT_EQ(check(report, "exact").verdict, Verdict::Pass);
  EXPECT_EQ(check(report, "no_pii").verdict, Verdict::Fail);
  EXPECT_EQ(check(report, "dataset.malformed_rows").verdict, Verdict::Pass);
  const CheckResult& completeness = check(report, "columns.age.completeness");
  EXPECT_DOUBLE_EQ(*completeness.measured, 0.8);
  EXPECT_EQ(completeness.verdict, Verdict::Pass);
  EXPECT_EQ(check(report, "columns.age.min").verdict, Verdict::Fail);  // -1
  EXPECT_EQ(*check(report, "columns.age.min").measured, -1);
  EXPECT_EQ(check(report, "columns.age.max").verdict, Verdict::Pass);
  const CheckResult& mean = check(report, "columns.age.mean");
  EXPECT_DOUBLE_EQ(*mean.measured, (34 + 130 + 51 - 1) / 4.0);
  EXPECT_EQ(mean.verdict, Verdict::Pass);
  EXPECT_EQ(check(report, "columns.age.stddev").verdict, Verdict::Fail);
  const CheckResult& distinct = check(report, "columns.country.distinct");
  EXPECT_EQ(*distinct.measured, 4);  // SE, NO, DK, XX: exact
  EXPECT_FALSE(distinct.approximate);
  EXPECT_EQ(distinct.verdict, Verdict::Fail);
  const CheckResult& median = check(report, "columns.id.quantile");
  EXPECT_TRUE(median.approximate);
  EXPECT_EQ(median.verdict, Verdict::Pass) << median.summary;
}

TEST_F(ValidatorTest, MalformedRowsAreReportedWithTheirLines) {
  ValidationReport report =
      validate("a,b\n1,2\n3\n4,5\n6,7,8\n", "version: 1\ndataset:\n  - malformed_rows: 0\n");
  const CheckResult& malformed = check(report, "dataset.malformed_rows");
  EXPECT_EQ(malformed.verdict, Verdict::Fail);
  EXPECT_EQ(*malformed.measured, 2);
  ASSERT_EQ(malformed.failing_rows.size(), 2u);
  EXPECT_EQ(malformed.failing_rows[0].line, 3u);
  EXPECT_EQ(malformed.failing_rows[1].line, 5u);
  EXPECT_FALSE(malformed.failing_rows[0].reason.empty());
}

// A directory read as one dataset: a failing row names its file as well as its line, in the
// report, its JSON and the text the terminal and JUnit show.
TEST_F(ValidatorTest, FailingRowsOfADirectoryNameTheirFile) {
  std::filesystem::create_directories(dir.path() / "raw");
  std::ofstream(dir.path() / "raw" / "a.csv") << "id,age\n1,30\n2,140\n";
  std::ofstream(dir.path() / "raw" / "b.csv") << "id,age\n3,-4\n4,40\n";
  RulesLoad load = load_rules_text("version: 1\ncolumns:\n  age: {range: [0, 120]}\n", "r.yaml");
  ASSERT_TRUE(load.rules);
  Result<ValidationReport> report =
      validate_file(dir.path() / "raw", "raw", "r.yaml", *load.rules, ValidationOptions{});
  ASSERT_TRUE(report.ok()) << report.error().message();
  const CheckResult& range = check(*report, "columns.age.range");
  ASSERT_EQ(range.failing_rows.size(), 2u);
  EXPECT_EQ(range.failing_rows[0].line, 3u);
  EXPECT_EQ(std::filesystem::path(range.failing_rows[0].file).filename(), "a.csv");
  EXPECT_EQ(range.failing_rows[1].line, 2u);
  EXPECT_EQ(std::filesystem::path(range.failing_rows[1].file).filename(), "b.csv");
  std::string text = failing_rows_text(range, 5);
  EXPECT_NE(text.find("a.csv line 3: age=140\n"), std::string::npos) << text;
  EXPECT_NE(validation_to_json(*report, false).find("b.csv"), std::string::npos);
}

TEST_F(ValidatorTest, MissingColumnsFailEachCheckThatReadsThem) {
  ValidationReport report = validate(k_people, R"(version: 1
columns:
  agee: {range: [0, 1], mean: {min: 0}}
)");
  const CheckResult& range = check(report, "columns.agee.range");
  EXPECT_EQ(range.verdict, Verdict::Fail);
  EXPECT_EQ(range.note, "column 'agee' is not in the data (did you mean 'age'?)");
  EXPECT_EQ(check(report, "columns.agee.mean").verdict, Verdict::Fail);
}

TEST_F(ValidatorTest, CorrelationMatchesAKnownValue) {
  // x = 1..5, y = 2, 4, 5, 4, 5: Pearson r = 0.7745966692 (numpy.corrcoef).
  ValidationReport report = validate("x,y\n1,2\n2,4\n3,5\n4,4\n5,5\n", R"(version: 1
relations:
  - correlation: {columns: [x, y], min: 0.7, max: 0.8}
  - correlation: {columns: [x, y], min: 0.9}
)");
  const CheckResult& r = check(report, "relations.0.correlation");
  ASSERT_TRUE(r.measured);
  EXPECT_NEAR(*r.measured, 0.7745966692, 1e-9);
  EXPECT_EQ(r.verdict, Verdict::Pass);
  EXPECT_EQ(check(report, "relations.1.correlation").verdict, Verdict::Fail);
  ValidationReport constant = validate("x,y\n1,2\n2,2\n", R"(version: 1
relations:
  - correlation: {columns: [x, y], min: 0}
)");
  EXPECT_EQ(check(constant, "relations.0.correlation").verdict, Verdict::Fail);
  EXPECT_FALSE(check(constant, "relations.0.correlation").measured);
}

TEST_F(ValidatorTest, HistoryChecksAgainstEarlierAcceptedRuns) {
  std::string rules = R"(version: 1
dataset:
  - history: {metric: rows, max_increase: 0.5, max_decrease: 0.1}
  - history: {metric: columns.age.mean, sigmas: 3, window: 3}
)";
  ValidationReport none = validate(k_people, rules);
  EXPECT_EQ(check(none, "dataset.history.rows.change").verdict, Verdict::Skipped);
  EXPECT_EQ(check(none, "dataset.history.columns.age.mean.sigmas").verdict, Verdict::Skipped);
  EXPECT_FALSE(none.rejected(true));

  ValidationOptions options;
  options.history["rows"] = {100, 4};  // the last accepted run had 4 rows, this one 5: +25 %
  options.history["columns.age.mean"] = {1000, 50, 52, 54};  // window 3: mean 52, sd 2
  ValidationReport report = validate(k_people, rules, options);
  const CheckResult& rows = check(report, "dataset.history.rows.change");
  EXPECT_EQ(rows.verdict, Verdict::Pass);
  EXPECT_DOUBLE_EQ(*rows.threshold.min, 3.6);
  EXPECT_DOUBLE_EQ(*rows.threshold.max, 6);
  EXPECT_EQ(rows.note, "+25.0% since the last accepted run (4)");
  const CheckResult& mean = check(report, "dataset.history.columns.age.mean.sigmas");
  EXPECT_EQ(mean.history_runs, 3u);
  EXPECT_DOUBLE_EQ(*mean.threshold.min, 46);
  EXPECT_DOUBLE_EQ(*mean.threshold.max, 58);
  EXPECT_EQ(mean.verdict, Verdict::Pass);  // 53.5

  options.history["rows"] = {10};  // 5 rows now: -50 %
  EXPECT_EQ(check(validate(k_people, rules, options), "dataset.history.rows.change").verdict,
            Verdict::Fail);
}

TEST_F(ValidatorTest, WarningsRejectOnlyWhenStrict) {
  ValidationReport report = validate(k_people, R"(version: 1
columns:
  email: {pattern: email, level: warning}
)");
  EXPECT_EQ(report.failed_warnings(), 1u);
  EXPECT_EQ(report.failed_errors(), 0u);
  EXPECT_FALSE(report.rejected(false));
  EXPECT_TRUE(report.rejected(true));
}

TEST_F(ValidatorTest, NullTokensOfTheInputSectionDecideNulls) {
  ValidationReport report = validate("a\n-\n1\n", R"(version: 1
input: {null_values: ["-"]}
columns:
  a: {not_null: true, type: int}
)");
  EXPECT_EQ(check(report, "columns.a.not_null").failed, 1u);
  EXPECT_EQ(check(report, "columns.a.type").verdict, Verdict::Pass);
}

TEST_F(ValidatorTest, JsonLinesQuotedNumbersAreStrings) {
  std::filesystem::path data = dir.path() / "data.jsonl";
  std::ofstream(data) << "{\"a\": 1, \"b\": \"2\"}\n{\"a\": 3}\n";
  RulesLoad load = load_rules_text(
      "version: 1\ncolumns:\n  a: {type: int}\n  b: {type: int, "
      "not_null: true}\n",
      "rules.yaml");
  ASSERT_TRUE(load.rules);
  Result<ValidationReport> report =
      validate_file(data, "data.jsonl", "rules.yaml", *load.rules, ValidationOptions{});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(check(*report, "columns.a.type").verdict, Verdict::Pass);
  EXPECT_EQ(check(*report, "columns.b.type").failed, 1u);
  EXPECT_EQ(check(*report, "columns.b.not_null").failed, 1u);
}

}  // namespace
}  // namespace mlops
