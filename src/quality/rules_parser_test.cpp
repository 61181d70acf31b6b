#include "quality/rules_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mlops {
namespace {

// Every diagnostic of `text` (as rules.yaml), rendered as the CLI prints them.
std::string errors(const std::string& text) {
  RulesLoad load = load_rules_text(text, "rules.yaml");
  std::string out;
  for (const Diagnostic& d : load.diagnostics)
    out += render_diagnostic(d);
  EXPECT_EQ(load.rules.has_value(), load.diagnostics.empty());
  return out;
}

RuleSet parse_ok(const std::string& text) {
  RulesLoad load = load_rules_text(text, "rules.yaml");
  std::string out;
  for (const Diagnostic& d : load.diagnostics)
    out += render_diagnostic(d);
  EXPECT_TRUE(load.rules) << out;
  return load.rules.value_or(RuleSet{});
}

constexpr const char* k_example = R"(version: 1
input: {format: csv, delimiter: ",", header: true, null_values: ["", "NA"]}
dataset:
  - rows: {min: 1000, max: 50000000}
  - columns: {required: [id, age]}
  - unique: [id]
  - malformed_rows: {max: 0}
  - history: {metric: rows, max_increase: 0.5, max_decrease: 0.5}
  - history: {metric: columns.amount.mean, sigmas: 3, window: 30}
columns:
  id:      {type: int, not_null: true, unique: true}
  age:     {type: int, range: [0, 120], completeness: 0.99, mean: {min: 30, max: 50}}
  country: {in_set: [SE, NO, DK, FI], mostly: 0.999, distinct: {max: 300}}
  amount:  {min: 0, quantile: {q: 0.99, max: 10000}, stddev: {max: 5000}, length: [1, 12]}
  email:   {pattern: email, mostly: 0.98, level: warning}
relations:
  - compare: {left: start, op: "<=", right: end, mostly: 1.0}
  - correlation: {columns: [age, amount], min: -0.2, max: 0.9}
    id: age_amount
)";

TEST(RulesParserTest, ReadsTheDocumentedExampleWithStableIds) {
  RuleSet rules = parse_ok(k_example);
  std::vector<std::string> ids;
  for (const CheckSpec& check : rules.checks)
    ids.push_back(check.id);
  std::vector<std::string> expected = {"dataset.rows",
                                       "dataset.columns",
                                       "dataset.unique.id",
                                       "dataset.malformed_rows",
                                       "dataset.history.rows.change",
                                       "dataset.history.columns.amount.mean.sigmas",
                                       "columns.id.type",
                                       "columns.id.not_null",
                                       "columns.id.unique",
                                       "columns.age.type",
                                       "columns.age.range",
                                       "columns.age.completeness",
                                       "columns.age.mean",
                                       "columns.country.in_set",
                                       "columns.country.distinct",
                                       "columns.amount.min",
                                       "columns.amount.quantile",
                                       "columns.amount.stddev",
                                       "columns.amount.length",
                                       "columns.email.pattern",
                                       "relations.0.compare",
                                       "age_amount"};
  EXPECT_EQ(ids, expected);
  ASSERT_EQ(rules.input.null_values, (std::vector<std::string>{"", "NA"}));
  EXPECT_EQ(rules.input.delimiter, ',');
  const CheckSpec& range = rules.checks[10];
  EXPECT_EQ(range.kind, CheckKind::Range);
  EXPECT_EQ(range.bounds.min, 0);
  EXPECT_EQ(range.bounds.max, 120);
  EXPECT_EQ(range.mostly, 1.0);
  const CheckSpec& in_set = rules.checks[13];
  EXPECT_EQ(in_set.values, (std::vector<std::string>{"SE", "NO", "DK", "FI"}));
  EXPECT_DOUBLE_EQ(in_set.mostly, 0.999);
  EXPECT_DOUBLE_EQ(rules.checks[14].mostly, 1.0);  // distinct is not row-level
  const CheckSpec& email = rules.checks[19];
  EXPECT_EQ(email.level, CheckLevel::Warning);
  EXPECT_DOUBLE_EQ(email.mostly, 0.98);
  EXPECT_EQ(rules.checks[15].bounds.min, 0);  // amount min: 0 is "minimum >= 0"
  EXPECT_FALSE(rules.checks[15].bounds.max);
  EXPECT_DOUBLE_EQ(rules.checks[16].quantile, 0.99);
  const CheckSpec& sigmas = rules.checks[5];
  EXPECT_EQ(sigmas.history.metric, "columns.amount.mean");
  EXPECT_EQ(sigmas.history.sigmas, 3);
  EXPECT_EQ(sigmas.history.window, 30u);
  EXPECT_EQ(rules.checks[20].op, CompareOp::LessEqual);
  EXPECT_EQ(rules.checks[20].columns, (std::vector<std::string>{"start", "end"}));
}

TEST(RulesParserTest, LongFormsGiveOwnIdLevelAndMostly) {
  RuleSet rules = parse_ok(R"(version: 1
columns:
  age:
    level: warning
    range: {min: 0, max: 120, mostly: 0.9, id: age_ok, level: error}
    type: {value: int}
    not_null: false
)");
  ASSERT_EQ(rules.checks.size(), 2u);  // not_null: false writes no check
  EXPECT_EQ(rules.checks[0].id, "age_ok");
  EXPECT_EQ(rules.checks[0].level, CheckLevel::Error);
  EXPECT_DOUBLE_EQ(rules.checks[0].mostly, 0.9);
  EXPECT_EQ(rules.checks[1].id, "columns.age.type");
  EXPECT_EQ(rules.checks[1].level, CheckLevel::Warning);
  EXPECT_EQ(rules.checks[1].type, ExpectedType::Int);
}

struct ErrorCase {
  const char* name;
  const char* text;
  const char* expected;
};

class RulesParserErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RulesParserErrorTest, ReportsWithFileLineColumnAndCaret) {
  EXPECT_EQ(errors(GetParam().text), GetParam().expected);
}

const ErrorCase k_error_cases[] = {
    {"UnknownTopKey", "version: 1\ncolums:\n  id: {not_null: true}\n",
     "rules.yaml:2:1: error: unknown key 'colums' (did you mean 'columns'?)\n"
     " 2 | colums:\n"
     "   | ^\n"},
    {"WrongTypeOfMostly", "version: 1\ncolumns:\n  age: {range: [0, 120], mostly: high}\n",
     "rules.yaml:3:34: error: 'mostly' in column 'age' must be a number, not a string\n"
     " 3 |   age: {range: [0, 120], mostly: high}\n"
     "   |                                  ^\n"},
    {"UnknownCheckOfAColumn", "version: 1\ncolumns:\n  age: {rnage: [0, 120]}\n",
     "rules.yaml:3:9: error: unknown key 'rnage' in column 'age' (did you mean 'range'?)\n"
     " 3 |   age: {rnage: [0, 120]}\n"
     "   |         ^\n"},
    {"BadRegex", "version: 1\ncolumns:\n  code: {pattern: \"(ab\"}\n",
     "rules.yaml:3:19: error: 'pattern' in column 'code' is not a valid RE2 regular expression: "
     "missing ): (ab\n"
     " 3 |   code: {pattern: \"(ab\"}\n"
     "   |                   ^\n"},
    {"MostlyOnAProfileCheck", "version: 1\ncolumns:\n  x: {mean: {min: 1, mostly: 0.5}}\n",
     "rules.yaml:3:22: error: 'mostly' in column 'x' does not apply to a mean check, only to "
     "type, not_null, range, in_set, pattern, length and compare\n"
     " 3 |   x: {mean: {min: 1, mostly: 0.5}}\n"
     "   |                      ^\n"},
    {"MissingVersion", "columns:\n  x: {not_null: true}\n",
     "rules.yaml:1:1: error: missing required key 'version' (add 'version: 1' at the top)\n"
     " 1 | columns:\n"
     "   | ^\n"},
    {"TwoChecksInOneItem", "version: 1\ndataset:\n  - rows: {min: 1}\n    unique: [id]\n",
     "rules.yaml:4:5: error: dataset item 1 holds two checks, 'rows' and 'unique'; write each "
     "as its own item\n"
     " 4 |     unique: [id]\n"
     "   |     ^\n"},
    {"UnknownMetric", "version: 1\ndataset:\n  - history: {metric: rowz, max_increase: 1}\n",
     "rules.yaml:3:23: error: unknown metric 'rowz' in dataset item 1 (did you mean 'rows'?); use "
     "rows, columns, malformed_rows, duplicate_rows, or columns.NAME.STAT with STAT one of count, "
     "nulls, null_fraction, completeness, distinct, min, max, mean, stddev, sum, zeros, p01, p05, "
     "p10, p25, p50, p75, p90, p95, p99, length_mean\n"
     " 3 |   - history: {metric: rowz, max_increase: 1}\n"
     "   |                       ^\n"},
    {"BadLevel", "version: 1\ncolumns:\n  x: {not_null: true, level: eror}\n",
     "rules.yaml:3:30: error: 'level' in column 'x' must be error or warning, not 'eror' (did "
     "you mean 'error'?)\n"
     " 3 |   x: {not_null: true, level: eror}\n"
     "   |                              ^\n"},
    {"MinAboveMax", "version: 1\ndataset:\n  - rows: {min: 10, max: 5}\n",
     "rules.yaml:3:11: error: 'rows' in dataset item 1: min 10 is above max 5\n"
     " 3 |   - rows: {min: 10, max: 5}\n"
     "   |           ^\n"},
    {"RowsNotWhole", "version: 1\ndataset:\n  - rows: {min: 1.5}\n",
     "rules.yaml:3:17: error: 'min' in dataset item 1 must be a whole number, not a number\n"
     " 3 |   - rows: {min: 1.5}\n"
     "   |                 ^\n"},
    {"DuplicateId",
     "version: 1\ncolumns:\n  a: {not_null: {value: true, id: x}}\n  b: {not_null: {value: "
     "true, id: x}}\n",
     "rules.yaml:4:7: error: two checks have the id 'x' (the other is at line 3); give one of "
     "them its own 'id:'\n"
     " 4 |   b: {not_null: {value: true, id: x}}\n"
     "   |       ^\n"},
    {"MostlyOutOfRange", "version: 1\ncolumns:\n  a: {pattern: uuid, mostly: 1.5}\n",
     "rules.yaml:3:30: error: 'mostly' in column 'a' must be between 0 and 1, not 1.5\n"
     " 3 |   a: {pattern: uuid, mostly: 1.5}\n"
     "   |                              ^\n"},
    {"UnknownType", "version: 1\ncolumns:\n  a: {type: integer}\n",
     "rules.yaml:3:13: error: 'type' in column 'a' must be one of int, float, numeric, bool, "
     "date, datetime, string, not 'integer'\n"
     " 3 |   a: {type: integer}\n"
     "   |             ^\n"},
    {"CompareWithoutOp", "version: 1\nrelations:\n  - compare: {left: a, right: b}\n",
     "rules.yaml:3:14: error: 'compare' in relations item 1 needs 'op'\n"
     " 3 |   - compare: {left: a, right: b}\n"
     "   |              ^\n"},
    {"HistoryMixesKinds",
     "version: 1\ndataset:\n  - history: {metric: rows, sigmas: 3, max_increase: 1}\n",
     "rules.yaml:3:14: error: 'history' in dataset item 1 mixes 'sigmas' with 'max_increase'/"
     "'max_decrease': they are two checks, write two items\n"
     " 3 |   - history: {metric: rows, sigmas: 3, max_increase: 1}\n"
     "   |              ^\n"},
    {"EmptyFile", "",
     "rules.yaml: error: the rules file is empty; start with 'version: 1' (mlops data suggest "
     "FILE writes a first one)\n"},
    {"NoChecks", "version: 1\n",
     "rules.yaml:1:1: error: the rules file has no checks; add 'dataset', 'columns' or "
     "'relations' (mlops data suggest FILE writes a first one)\n"
     " 1 | version: 1\n"
     "   | ^\n"},
};

INSTANTIATE_TEST_SUITE_P(Cases, RulesParserErrorTest, ::testing::ValuesIn(k_error_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RulesParserTest, ReportsEveryProblemInOnePass) {
  std::string out = errors("version: 2\ncolumns:\n  a: {rnage: [0, 1], mostly: x}\n");
  EXPECT_NE(out.find("rules.yaml:1:10: error: unsupported rules format version 2"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("unknown key 'rnage'"), std::string::npos) << out;
  EXPECT_NE(out.find("'mostly' in column 'a' must be a number, not a string"), std::string::npos)
      << out;
}

TEST(RulesParserTest, MissingFileIsOneDiagnosticWithoutPosition) {
  RulesLoad load = load_rules("/nonexistent/rules.yaml");
  ASSERT_EQ(load.diagnostics.size(), 1u);
  EXPECT_EQ(load.diagnostics[0].mark.line, 0);
  EXPECT_FALSE(load.rules);
}

}  // namespace
}  // namespace mlops
