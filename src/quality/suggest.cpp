#include "quality/suggest.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace mlops {
namespace {

constexpr double k_categorical_ratio = 0.1;       // CategoricalRangeRule
constexpr size_t k_categorical_max_values = 120;  // Deequ's DEFAULT_CARDINALITY_THRESHOLD
constexpr double k_unique_tolerance = 0.08;       // UniqueIfApproximatelyUniqueRule

SuggestedCheck column_check(const ColumnProfile& c, CheckKind kind, std::string reason) {
  SuggestedCheck s;
  s.spec.kind = kind;
  s.spec.columns = {c.name};
  s.spec.id = fmt::format("columns.{}.{}", c.name, check_kind_name(kind));
  s.reason = std::move(reason);
  return s;
}

SuggestedCheck dataset_check(CheckKind kind, std::string reason) {
  SuggestedCheck s;
  s.spec.kind = kind;
  s.spec.id = std::string("dataset.") + check_kind_name(kind);
  s.reason = std::move(reason);
  return s;
}

// The 95 % Wilson score interval's lower bound for a proportion p of n.
double wilson_lower(double p, double n) {
  constexpr double z = 1.96;
  double z2 = z * z;
  double centre = p + z2 / (2 * n);
  double spread = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return (centre - spread) / (1 + z2 / n);
}

uint64_t type_count(const ColumnProfile& c, ValueType type) {
  return c.type_counts[static_cast<int>(type)];
}

// RetainTypeRule, only when every value has the type (the check has no `mostly`).
std::optional<ExpectedType> retained_type(const ColumnProfile& c) {
  if (c.count == 0)
    return std::nullopt;
  uint64_t ints = type_count(c, ValueType::Int);
  uint64_t floats = type_count(c, ValueType::Float);
  uint64_t dates = type_count(c, ValueType::Date);
  if (ints == c.count)
    return ExpectedType::Int;
  if (ints + floats == c.count)
    return ExpectedType::Float;
  if (type_count(c, ValueType::Bool) == c.count)
    return ExpectedType::Bool;
  if (dates == c.count)
    return ExpectedType::Date;
  if (dates + type_count(c, ValueType::DateTime) == c.count)
    return ExpectedType::DateTime;
  return std::nullopt;
}

void suggest_completeness(const ColumnProfile& c, uint64_t rows, std::vector<SuggestedCheck>& out) {
  if (rows == 0)
    return;
  if (c.nulls == 0) {
    SuggestedCheck s = column_check(c, CheckKind::NotNull,
                                    fmt::format("complete: no nulls in {} rows "
                                                "(CompleteIfCompleteRule)",
                                                rows));
    out.push_back(std::move(s));
    return;
  }
  double p = 1.0 - c.null_fraction(rows);
  if (p <= 0.2)
    return;
  double lower = std::floor(wilson_lower(p, static_cast<double>(rows)) * 1e4) / 1e4;
  SuggestedCheck s = column_check(c, CheckKind::Completeness,
                                  fmt::format("{:.2f}% of rows have a value: keep at least {:g}, "
                                              "the lower end of its 95% Wilson interval "
                                              "(RetainCompletenessRule)",
                                              p * 100, lower));
  s.spec.bounds.min = lower;
  out.push_back(std::move(s));
}

bool writable_value(const std::string& value) {
  return is_valid_utf8(value) &&
         std::none_of(value.begin(), value.end(), [](char ch) { return ch == '\n' || ch == '\r'; });
}

void suggest_categorical(const ColumnProfile& c, std::optional<ExpectedType> type,
                         std::vector<SuggestedCheck>& out) {
  if (!c.exact_complete || c.count == 0 || type == ExpectedType::Float ||
      type == ExpectedType::Bool) {
    return;
  }
  size_t distinct = c.exact_values.size();
  double ratio = static_cast<double>(distinct) / static_cast<double>(c.count);
  if (distinct > k_categorical_max_values || ratio > k_categorical_ratio)
    return;
  std::vector<std::pair<std::string, uint64_t>> values(c.exact_values.begin(),
                                                       c.exact_values.end());
  if (!std::all_of(values.begin(), values.end(), [](auto& v) { return writable_value(v.first); })) {
    return;
  }
  std::stable_sort(values.begin(), values.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  SuggestedCheck s = column_check(c, CheckKind::InSet,
                                  fmt::format("categorical: {} distinct values in {} "
                                              "(ratio {:.3g} <= {:g}), most frequent first "
                                              "(CategoricalRangeRule)",
                                              distinct, c.count, ratio, k_categorical_ratio));
  for (const auto& [value, count] : values)
    s.spec.values.push_back(value);
  out.push_back(std::move(s));
}

void suggest_column(const ColumnProfile& c, uint64_t rows, std::vector<SuggestedCheck>& out) {
  suggest_completeness(c, rows, out);
  std::optional<ExpectedType> type = retained_type(c);
  if (type) {
    SuggestedCheck s = column_check(
        c, CheckKind::Type,
        fmt::format("every value is {} {} (RetainTypeRule)",
                    *type == ExpectedType::Int ? "an" : "a", expected_type_name(*type)));
    s.spec.type = *type;
    out.push_back(std::move(s));
  }
  suggest_categorical(c, type, out);
  bool numeric = type == ExpectedType::Int || type == ExpectedType::Float;
  if (numeric && !c.quantiles.empty() && c.quantiles.min() >= 0) {
    SuggestedCheck s = column_check(c, CheckKind::Min,
                                    fmt::format("no negative values: the minimum is {:g} "
                                                "(NonNegativeNumbersRule)",
                                                c.quantiles.min()));
    s.spec.bounds.min = 0;
    out.push_back(std::move(s));
  }
  double distinct =
      c.exact_complete ? static_cast<double>(c.exact_values.size()) : c.distinct.estimate();
  if (rows > 1 && c.nulls == 0 &&
      std::fabs(1.0 - distinct / static_cast<double>(rows)) <= k_unique_tolerance) {
    out.push_back(column_check(c, CheckKind::Unique,
                               fmt::format("approximately unique: ~{:.0f} distinct values in {} "
                                           "rows (UniqueIfApproximatelyUniqueRule)",
                                           distinct, rows)));
  }
}

}  // namespace

RuleSuggestion suggest_rules(const DatasetProfile& profile, const InputSpec& input) {
  RuleSuggestion s;
  s.input = input;
  s.source = profile.source;
  s.rows = profile.rows;
  for (const ColumnProfile& c : profile.columns)
    s.columns.push_back(c.name);
  if (profile.rows > 0) {
    SuggestedCheck rows = dataset_check(
        CheckKind::Rows,
        fmt::format("the file has {} rows: at least refuse an empty one", profile.rows));
    rows.spec.bounds.min = 1;
    s.checks.push_back(std::move(rows));
  }
  if (!s.columns.empty()) {
    SuggestedCheck columns = dataset_check(CheckKind::Columns, "the columns the file has");
    columns.spec.required = s.columns;
    s.checks.push_back(std::move(columns));
  }
  if (profile.malformed_rows == 0) {
    SuggestedCheck malformed = dataset_check(CheckKind::MalformedRows, "no malformed rows");
    malformed.spec.bounds.max = 0;
    s.checks.push_back(std::move(malformed));
  }
  for (const ColumnProfile& c : profile.columns)
    suggest_column(c, profile.rows, s.checks);
  return s;
}

RuleSet suggestion_rule_set(const RuleSuggestion& suggestion) {
  RuleSet rules;
  rules.input = suggestion.input;
  for (const SuggestedCheck& check : suggestion.checks)
    rules.checks.push_back(check.spec);
  return rules;
}

void drop_failed_suggestions(RuleSuggestion& suggestion, const ValidationReport& report) {
  for (const CheckResult& result : report.checks) {
    if (result.verdict == Verdict::Pass)
      continue;
    auto& checks = suggestion.checks;
    auto it = std::find_if(checks.begin(), checks.end(),
                           [&](const SuggestedCheck& c) { return c.spec.id == result.spec.id; });
    if (it == checks.end())
      continue;
    suggestion.dropped.push_back(fmt::format("{}: {}", result.spec.id, result.summary));
    checks.erase(it);
  }
}

}  // namespace mlops
