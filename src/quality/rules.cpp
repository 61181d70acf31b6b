#include "quality/rules.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "data/profile.hpp"

namespace mlops {

const char* check_kind_name(CheckKind kind) {
  switch (kind) {
    case CheckKind::Rows:
      return "rows";
    case CheckKind::Columns:
      return "columns";
    case CheckKind::Unique:
      return "unique";
    case CheckKind::MalformedRows:
      return "malformed_rows";
    case CheckKind::History:
      return "history";
    case CheckKind::Type:
      return "type";
    case CheckKind::NotNull:
      return "not_null";
    case CheckKind::Completeness:
      return "completeness";
    case CheckKind::Range:
      return "range";
    case CheckKind::InSet:
      return "in_set";
    case CheckKind::Pattern:
      return "pattern";
    case CheckKind::Length:
      return "length";
    case CheckKind::Min:
      return "min";
    case CheckKind::Max:
      return "max";
    case CheckKind::Mean:
      return "mean";
    case CheckKind::Stddev:
      return "stddev";
    case CheckKind::Quantile:
      return "quantile";
    case CheckKind::Distinct:
      return "distinct";
    case CheckKind::Compare:
      return "compare";
    case CheckKind::Correlation:
      return "correlation";
  }
  return "?";
}

const char* check_level_name(CheckLevel level) {
  return level == CheckLevel::Error ? "error" : "warning";
}

namespace {

std::string number_text(double value) {
  return fmt::format("{:.10g}", value);
}

}  // namespace

std::string Bounds::describe() const {
  if (min && max) {
    if (*min == *max)
      return "= " + number_text(*min);
    return fmt::format("between {} and {}", number_text(*min), number_text(*max));
  }
  if (min)
    return ">= " + number_text(*min);
  if (max)
    return "<= " + number_text(*max);
  return "any";
}

namespace {

struct TypeName {
  ExpectedType type;
  const char* name;
};
constexpr TypeName k_type_names[] = {
    {ExpectedType::Int, "int"},         {ExpectedType::Float, "float"},
    {ExpectedType::Numeric, "numeric"}, {ExpectedType::Bool, "bool"},
    {ExpectedType::Date, "date"},       {ExpectedType::DateTime, "datetime"},
    {ExpectedType::String, "string"}};

struct OpText {
  CompareOp op;
  const char* text;
};
constexpr OpText k_ops[] = {{CompareOp::Less, "<"},    {CompareOp::LessEqual, "<="},
                            {CompareOp::Greater, ">"}, {CompareOp::GreaterEqual, ">="},
                            {CompareOp::Equal, "=="},  {CompareOp::NotEqual, "!="}};

}  // namespace

const char* expected_type_name(ExpectedType type) {
  for (const TypeName& entry : k_type_names) {
    if (entry.type == type)
      return entry.name;
  }
  return "?";
}

std::optional<ExpectedType> parse_expected_type(std::string_view name) {
  for (const TypeName& entry : k_type_names) {
    if (name == entry.name)
      return entry.type;
  }
  return std::nullopt;
}

const char* compare_op_text(CompareOp op) {
  for (const OpText& entry : k_ops) {
    if (entry.op == op)
      return entry.text;
  }
  return "?";
}

std::optional<CompareOp> parse_compare_op(std::string_view text) {
  for (const OpText& entry : k_ops) {
    if (text == entry.text)
      return entry.op;
  }
  return std::nullopt;
}

bool CheckSpec::row_level() const {
  switch (kind) {
    case CheckKind::Type:
    case CheckKind::NotNull:
    case CheckKind::Range:
    case CheckKind::InSet:
    case CheckKind::Pattern:
    case CheckKind::Length:
    case CheckKind::Compare:
      return true;
    default:
      return false;
  }
}

// ---- metrics ----------------------------------------------------------------------------------

const std::vector<std::string>& column_metric_names() {
  static const std::vector<std::string> names = {
      "count", "nulls",  "null_fraction", "completeness", "distinct", "min", "max",
      "mean",  "stddev", "sum",           "zeros",        "p01",      "p05", "p10",
      "p25",   "p50",    "p75",           "p90",          "p95",      "p99", "length_mean"};
  return names;
}

double completeness(const DatasetProfile& p, const ColumnProfile& c) {
  if (p.rows == 0)
    return 1.0;
  uint64_t present = p.rows - std::min(c.nulls, p.rows);
  return static_cast<double>(present) / static_cast<double>(p.rows);
}

namespace {

const std::vector<std::string> k_dataset_metrics = {"rows", "columns", "malformed_rows",
                                                    "duplicate_rows"};

// "columns.a.b.mean" -> ("a.b", "mean"); nothing when the shape is wrong.
std::optional<std::pair<std::string_view, std::string_view>> split_column_metric(
    std::string_view metric) {
  constexpr std::string_view prefix = "columns.";
  if (!metric.starts_with(prefix))
    return std::nullopt;
  std::string_view rest = metric.substr(prefix.size());
  size_t dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size())
    return std::nullopt;
  return std::make_pair(rest.substr(0, dot), rest.substr(dot + 1));
}

std::optional<double> numeric_metric(const ColumnProfile& c, std::string_view stat) {
  if (c.moments.count == 0)
    return std::nullopt;
  if (stat == "min")
    return c.moments.min;
  if (stat == "max")
    return c.moments.max;
  if (stat == "mean")
    return c.moments.mean;
  if (stat == "stddev")
    return c.moments.stddev();
  if (stat == "sum")
    return c.moments.sum;
  if (stat == "zeros")
    return static_cast<double>(c.zeros);
  if (stat.size() == 3 && stat[0] == 'p' && !c.quantiles.empty()) {
    int percent = (stat[1] - '0') * 10 + (stat[2] - '0');
    return c.quantiles.quantile(percent / 100.0);
  }
  return std::nullopt;
}

std::optional<double> column_metric(const DatasetProfile& p, const ColumnProfile& c,
                                    std::string_view stat) {
  if (stat == "count")
    return static_cast<double>(c.count);
  if (stat == "nulls")
    return static_cast<double>(c.nulls);
  if (stat == "null_fraction")
    return c.null_fraction(p.rows);
  if (stat == "completeness")
    return completeness(p, c);
  if (stat == "distinct") {
    return c.exact_complete ? static_cast<double>(c.exact_values.size()) : c.distinct.estimate();
  }
  if (stat == "length_mean") {
    if (c.length_count == 0)
      return std::nullopt;
    return static_cast<double>(c.length_sum) / static_cast<double>(c.length_count);
  }
  return numeric_metric(c, stat);
}

}  // namespace

bool is_known_metric(std::string_view metric) {
  if (std::find(k_dataset_metrics.begin(), k_dataset_metrics.end(), metric) !=
      k_dataset_metrics.end()) {
    return true;
  }
  auto parts = split_column_metric(metric);
  if (!parts)
    return false;
  const auto& names = column_metric_names();
  return std::find(names.begin(), names.end(), parts->second) != names.end();
}

std::optional<double> profile_metric(const DatasetProfile& profile, std::string_view metric) {
  if (metric == "rows")
    return static_cast<double>(profile.rows);
  if (metric == "columns")
    return static_cast<double>(profile.columns.size());
  if (metric == "malformed_rows")
    return static_cast<double>(profile.malformed_rows);
  if (metric == "duplicate_rows")
    return static_cast<double>(profile.duplicate_rows_estimate());
  if (!is_known_metric(metric))
    return std::nullopt;
  auto parts = split_column_metric(metric);
  const ColumnProfile* column = profile.column(parts->first);
  if (column == nullptr)
    return std::nullopt;
  return column_metric(profile, *column, parts->second);
}

}  // namespace mlops
