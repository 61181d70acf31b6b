// The model of a rules file (`mlops data validate FILE --rules rules.yaml`): what a dataset must
// look like, as a flat list of checks.
//
// A rules file (docs/data-quality.md, "Rules"; schemas/rules.schema.json) has three sections:
// `dataset` (row count, columns, uniqueness of keys, malformed rows, history), `columns` (per
// column: type, nulls, range, set, pattern, statistics) and `relations` (between columns:
// comparisons, correlation). quality/rules_parser.hpp reads one into a RuleSet; the parser
// flattens every section into CheckSpecs, each with a stable id, so the validator and the
// reports handle one list.
//
// Every check has a level (an error rejects the data, a warning is reported) and, for the checks
// decided row by row (CheckSpec::row_level), `mostly`: the fraction of the values checked that
// must pass (Great Expectations' meaning).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/diagnostic.hpp"

namespace mlops {

enum class CheckKind {
  // dataset
  Rows,           // the number of well-formed rows within bounds
  Columns,        // required / exact / forbidden column names
  Unique,         // a key of one or several columns never repeats (exact, memory-capped)
  MalformedRows,  // the number of malformed rows within bounds
  History,        // a metric against the same metric of earlier accepted runs
  // columns
  Type,          // every value has a type (row by row)
  NotNull,       // no value is null (row by row)
  Completeness,  // the non-null fraction of rows at least a bound
  Range,         // numbers within [min, max] (row by row)
  InSet,         // values from a set (row by row)
  Pattern,       // values match a built-in pattern or an RE2 regex (row by row)
  Length,        // value lengths in characters within bounds (row by row)
  Min,           // the column's minimum within bounds
  Max,           // the column's maximum within bounds
  Mean,
  Stddev,
  Quantile,  // the q-quantile within bounds (from the KLL sketch: approximate)
  Distinct,  // the number of distinct values within bounds (exact up to 1000, else estimated)
  // relations
  Compare,      // left OP right in every row where both are present (row by row)
  Correlation,  // Pearson correlation of two numeric columns within bounds
};

const char* check_kind_name(CheckKind kind);  // "rows", "not_null", "in_set", ...

enum class CheckLevel { Error, Warning };
const char* check_level_name(CheckLevel level);  // "error", "warning"

// Inclusive bounds; either side may be open.
struct Bounds {
  std::optional<double> min;
  std::optional<double> max;

  bool contains(double value) const { return (!min || value >= *min) && (!max || value <= *max); }
  bool empty() const { return !min && !max; }
  // ">= 1000", "<= 5", "between 0 and 120".
  std::string describe() const;
};

// The value types a `type` check names; Numeric accepts ints and floats, Float accepts ints too,
// DateTime accepts dates, String accepts anything.
enum class ExpectedType { Int, Float, Numeric, Bool, Date, DateTime, String };
const char* expected_type_name(ExpectedType type);
std::optional<ExpectedType> parse_expected_type(std::string_view name);

enum class CompareOp { Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual };
const char* compare_op_text(CompareOp op);  // "<", "<=", ...
std::optional<CompareOp> parse_compare_op(std::string_view text);

// History checks: the relative change against the last accepted run, or a band of k standard
// deviations around the mean of the last `window` accepted runs.
struct HistoryRule {
  std::string metric;                  // "rows", "columns.amount.mean", ... (see profile_metric)
  std::optional<double> max_increase;  // relative: 0.5 allows +50 %
  std::optional<double> max_decrease;  // relative: 0.5 allows -50 %
  std::optional<double> sigmas;        // k: within mean ± k·stddev
  uint32_t window = 30;                // the last N accepted runs for `sigmas`
};

struct CheckSpec {
  std::string id;  // stable: "dataset.rows", "columns.age.range", "relations.0.compare", or the
                   // file's own `id:`
  CheckKind kind = CheckKind::Rows;
  CheckLevel level = CheckLevel::Error;
  double mostly = 1.0;               // row-level checks: the fraction of values that must pass
  std::vector<std::string> columns;  // the column(s) the check reads: one for column checks,
                                     // the key of Unique, left and right of Compare, the pair of
                                     // Correlation
  Bounds bounds;                     // Rows, MalformedRows, Range, Length, Min...Distinct,
                                     // Completeness (min only), Correlation
  double quantile = 0.5;             // Quantile: q in [0, 1]
  ExpectedType type = ExpectedType::String;  // Type
  std::vector<std::string> values;           // InSet: the allowed values, compared as text
  std::vector<std::string> required;         // Columns
  std::vector<std::string> exact;            // Columns (order-insensitive)
  std::vector<std::string> forbidden;        // Columns
  std::string pattern;                       // Pattern: a built-in name or an RE2 regex
  CompareOp op = CompareOp::LessEqual;       // Compare
  HistoryRule history;                       // History
  SourceMark mark;                           // where the file defines it

  // Decided row by row, with `mostly` and failing rows: Type, NotNull, Range, InSet, Pattern,
  // Length, Compare. Unique keeps failing rows too (the repeats) but has no `mostly`.
  bool row_level() const;
};

// The `input:` section: how to read the data, overriding the defaults of `mlops data profile`
// (and overridden by the command line).
struct InputSpec {
  std::optional<std::string> format;  // "auto", "csv" or "jsonl"
  std::optional<char> delimiter;
  std::optional<bool> header;
  std::optional<std::vector<std::string>> null_values;  // replaces the default null tokens
};

struct RuleSet {
  InputSpec input;
  std::vector<CheckSpec> checks;  // in file order: dataset, columns, relations as written
};

// The value of a metric of a finished profile, by the names history checks use:
//   rows, columns, malformed_rows, duplicate_rows,
//   columns.C.{count, nulls, null_fraction, completeness, distinct, min, max, mean, stddev, sum,
//              zeros, p01, p05, p10, p25, p50, p75, p90, p95, p99, length_mean}
// Nothing when the metric is unknown, the column is missing, or the column has no such value
// (mean of a text column).
struct DatasetProfile;
std::optional<double> profile_metric(const DatasetProfile& profile, std::string_view metric);
// The fraction of rows where a column has a value (1 for no rows): (rows - nulls) / rows.
struct ColumnProfile;
double completeness(const DatasetProfile& profile, const ColumnProfile& column);
// Whether `metric` is a name profile_metric knows (for the parser's diagnostics).
bool is_known_metric(std::string_view metric);
// The statistic names a `columns.C.` metric may end in.
const std::vector<std::string>& column_metric_names();

}  // namespace mlops
