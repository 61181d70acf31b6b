#include "quality/profile_checks.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {

std::string format_measure(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<long long>(value));
  }
  return fmt::format("{:.6g}", value);
}

namespace {

std::string set_text(const std::vector<std::string>& values) {
  constexpr size_t k_shown = 10;
  std::vector<std::string> shown(values.begin(), values.begin() + std::min(values.size(), k_shown));
  std::string text = join(shown, ", ");
  if (values.size() > k_shown)
    text += fmt::format(", … ({} in all)", values.size());
  return "{" + text + "}";
}

std::string columns_condition(const CheckSpec& s) {
  std::vector<std::string> parts;
  if (!s.required.empty())
    parts.push_back("required: " + join(s.required, ", "));
  if (!s.exact.empty())
    parts.push_back("exactly: " + join(s.exact, ", "));
  if (!s.forbidden.empty())
    parts.push_back("forbidden: " + join(s.forbidden, ", "));
  return "columns " + join(parts, "; ");
}

std::string history_condition(const HistoryRule& h) {
  if (h.sigmas) {
    return fmt::format(
        "{} within {:g} standard deviations of its mean over the last {} accepted "
        "runs",
        h.metric, *h.sigmas, h.window);
  }
  std::string down = h.max_decrease ? fmt::format("-{:g}%", *h.max_decrease * 100) : "any";
  std::string up = h.max_increase ? fmt::format("+{:g}%", *h.max_increase * 100) : "any";
  return fmt::format("{} changed by {} to {} since the last accepted run", h.metric, down, up);
}

std::string quantile_name(double q) {
  return fmt::format("quantile {:g}", q);
}

}  // namespace

std::string describe_condition(const CheckSpec& s) {
  const std::string column = s.columns.empty() ? std::string() : s.columns[0];
  const std::string bounds = s.bounds.describe();
  switch (s.kind) {
    case CheckKind::Rows:
      return "rows " + bounds;
    case CheckKind::MalformedRows:
      return "malformed rows " + bounds;
    case CheckKind::Columns:
      return columns_condition(s);
    case CheckKind::Unique:
      return s.columns.size() == 1 ? "each value unique"
                                   : "each key (" + join(s.columns, ", ") + ") unique";
    case CheckKind::History:
      return history_condition(s.history);
    case CheckKind::Type:
      return std::string("of type ") + expected_type_name(s.type);
    case CheckKind::NotNull:
      return "not null";
    case CheckKind::Completeness:
      return "completeness " + bounds;
    case CheckKind::Range:
      return bounds;
    case CheckKind::InSet:
      return "in " + set_text(s.values);
    case CheckKind::Pattern:
      return "matching " + s.pattern;
    case CheckKind::Length:
      return "length " + bounds;
    case CheckKind::Min:
      return "minimum " + bounds;
    case CheckKind::Max:
      return "maximum " + bounds;
    case CheckKind::Mean:
      return "mean " + bounds;
    case CheckKind::Stddev:
      return "stddev " + bounds;
    case CheckKind::Quantile:
      return quantile_name(s.quantile) + " " + bounds;
    case CheckKind::Distinct:
      return "distinct values " + bounds;
    case CheckKind::Compare:
      return fmt::format("{} {} {}", s.columns.size() > 0 ? s.columns[0] : "",
                         compare_op_text(s.op), s.columns.size() > 1 ? s.columns[1] : "");
    case CheckKind::Correlation:
      return fmt::format("correlation of {} and {} {}", column,
                         s.columns.size() > 1 ? s.columns[1] : "", bounds);
  }
  return bounds;
}

void summarize(CheckResult& r) {
  std::string measured = r.measured ? format_measure(*r.measured) : "nothing";
  if (!r.measured_text.empty()) {
    measured = r.measured ? measured + " (" + r.measured_text + ")" : r.measured_text;
  }
  if (r.approximate && r.measured)
    measured = "~" + measured;
  r.summary = fmt::format("measured {}; expected {}", measured, r.expected);
  if (r.verdict == Verdict::Skipped)
    r.summary = "skipped: " + r.note;
}

const std::string* first_missing_column(const CheckSpec& spec, const DatasetProfile& profile) {
  for (const std::string& column : spec.columns) {
    if (profile.column(column) == nullptr)
      return &column;
  }
  return nullptr;
}

CheckResult missing_column_result(const CheckSpec& spec, const std::string& column,
                                  const DatasetProfile& profile) {
  CheckResult r;
  r.spec = spec;
  r.threshold = spec.bounds;
  r.expected = describe_condition(spec);
  r.verdict = Verdict::Fail;
  r.measured_text = "no column '" + column + "'";
  std::vector<std::string> names;
  for (const ColumnProfile& c : profile.columns)
    names.push_back(c.name);
  r.note = fmt::format("column '{}' is not in the data{}", column, did_you_mean(column, names));
  summarize(r);
  r.summary += "; " + r.note;
  return r;
}

namespace {

void judge(CheckResult& r, std::optional<double> value) {
  r.measured = value;
  r.verdict = value && r.threshold.contains(*value) ? Verdict::Pass : Verdict::Fail;
}

void columns_check(CheckResult& r, const DatasetProfile& p) {
  const CheckSpec& s = r.spec;
  auto has = [&](const std::string& name) { return p.column(name) != nullptr; };
  std::vector<std::string> missing, unexpected, forbidden;
  for (const std::string& name : s.required) {
    if (!has(name))
      missing.push_back(name);
  }
  for (const std::string& name : s.exact) {
    if (!has(name))
      missing.push_back(name);
  }
  if (!s.exact.empty()) {
    for (const ColumnProfile& c : p.columns) {
      if (std::find(s.exact.begin(), s.exact.end(), c.name) == s.exact.end()) {
        unexpected.push_back(c.name);
      }
    }
  }
  for (const std::string& name : s.forbidden) {
    if (has(name))
      forbidden.push_back(name);
  }
  std::vector<std::string> problems;
  if (!missing.empty())
    problems.push_back("missing: " + join(missing, ", "));
  if (!unexpected.empty())
    problems.push_back("unexpected: " + join(unexpected, ", "));
  if (!forbidden.empty())
    problems.push_back("forbidden but present: " + join(forbidden, ", "));
  r.measured = static_cast<double>(missing.size() + unexpected.size() + forbidden.size());
  r.measured_text = problems.empty() ? "all as expected" : join(problems, "; ");
  r.verdict = problems.empty() ? Verdict::Pass : Verdict::Fail;
  r.threshold.max = 0;
}

std::pair<double, double> mean_and_stddev(const std::vector<double>& values) {
  double mean = 0;
  for (double v : values)
    mean += v;
  mean /= static_cast<double>(values.size());
  double squares = 0;
  for (double v : values)
    squares += (v - mean) * (v - mean);
  return {mean, std::sqrt(squares / static_cast<double>(values.size() - 1))};
}

void history_sigmas(CheckResult& r, double value, const std::vector<double>& past) {
  const HistoryRule& h = r.spec.history;
  size_t n = std::min<size_t>(h.window, past.size());
  if (n < 2) {
    r.verdict = Verdict::Skipped;
    r.note = fmt::format("needs at least 2 earlier accepted runs with '{}', found {}", h.metric, n);
    return;
  }
  std::vector<double> window(past.end() - static_cast<std::ptrdiff_t>(n), past.end());
  auto [mean, sd] = mean_and_stddev(window);
  r.threshold = Bounds{mean - *h.sigmas * sd, mean + *h.sigmas * sd};
  r.history_runs = n;
  r.note = fmt::format("mean {} and standard deviation {} over the last {} accepted runs",
                       format_measure(mean), format_measure(sd), n);
  judge(r, value);
}

void history_change(CheckResult& r, double value, const std::vector<double>& past) {
  const HistoryRule& h = r.spec.history;
  if (past.empty()) {
    r.verdict = Verdict::Skipped;
    r.note = fmt::format("no earlier accepted run with '{}' yet", h.metric);
    return;
  }
  double last = past.back();
  double scale = std::fabs(last);
  if (h.max_decrease)
    r.threshold.min = last - scale * *h.max_decrease;
  if (h.max_increase)
    r.threshold.max = last + scale * *h.max_increase;
  r.history_runs = 1;
  double change = scale == 0 ? (value == last ? 0.0 : std::copysign(INFINITY, value - last))
                             : (value - last) / scale;
  r.note =
      fmt::format("{:+.1f}% since the last accepted run ({})", change * 100, format_measure(last));
  judge(r, value);
}

void history_check(CheckResult& r, const DatasetProfile& p, const MetricHistory& history) {
  const HistoryRule& h = r.spec.history;
  std::optional<double> value = profile_metric(p, h.metric);
  if (!value) {
    r.verdict = Verdict::Fail;
    r.note = fmt::format(
        "the metric '{}' is not in this data (a missing column, or a statistic "
        "the column does not have)",
        h.metric);
    return;
  }
  r.measured = value;
  auto it = history.find(h.metric);
  static const std::vector<double> none;
  const std::vector<double>& past = it == history.end() ? none : it->second;
  if (h.sigmas) {
    history_sigmas(r, *value, past);
  } else {
    history_change(r, *value, past);
  }
  if (r.verdict != Verdict::Skipped) {
    r.expected = fmt::format("{} {} ({})", h.metric, r.threshold.describe(), history_condition(h));
  }
}

std::optional<double> column_statistic(CheckResult& r, const DatasetProfile& p,
                                       const ColumnProfile& c) {
  const CheckSpec& s = r.spec;
  bool numbers = !c.quantiles.empty();
  switch (s.kind) {
    case CheckKind::Completeness:
      return completeness(p, c);
    case CheckKind::Min:
      return numbers ? std::optional(c.quantiles.min()) : std::nullopt;
    case CheckKind::Max:
      return numbers ? std::optional(c.quantiles.max()) : std::nullopt;
    case CheckKind::Mean:
      return c.moments.count ? std::optional(c.moments.mean) : std::nullopt;
    case CheckKind::Stddev:
      return c.moments.count ? std::optional(c.moments.stddev()) : std::nullopt;
    case CheckKind::Quantile:
      r.approximate = true;
      r.note = "from the KLL sketch: rank error about 1.7 %";
      return numbers ? std::optional(c.quantiles.quantile(s.quantile)) : std::nullopt;
    case CheckKind::Distinct:
      if (c.exact_complete)
        return static_cast<double>(c.exact_values.size());
      r.approximate = true;
      r.note = "estimated by HyperLogLog (about ±1.6 %)";
      return c.distinct.estimate();
    default:
      return std::nullopt;
  }
}

}  // namespace

CheckResult decide_profile_check(const CheckSpec& spec, const DatasetProfile& profile,
                                 const MetricHistory& history) {
  if (const std::string* missing = first_missing_column(spec, profile)) {
    return missing_column_result(spec, *missing, profile);
  }
  CheckResult r;
  r.spec = spec;
  r.threshold = spec.bounds;
  r.expected = describe_condition(spec);
  switch (spec.kind) {
    case CheckKind::Rows:
      judge(r, static_cast<double>(profile.rows));
      break;
    case CheckKind::MalformedRows:
      judge(r, static_cast<double>(profile.malformed_rows));
      for (const MalformedRow& row : profile.malformed_sample) {
        if (r.failing_rows.size() < k_failing_rows_kept) {
          r.failing_rows.push_back(FailingRow{row.line, {}, row.reason, {}});
        }
      }
      break;
    case CheckKind::Columns:
      columns_check(r, profile);
      break;
    case CheckKind::History:
      history_check(r, profile, history);
      break;
    default: {
      std::optional<double> value = column_statistic(r, profile, *profile.column(spec.columns[0]));
      judge(r, value);
      if (!value)
        r.note = fmt::format("column '{}' has no numeric values", spec.columns[0]);
      break;
    }
  }
  summarize(r);
  return r;
}

}  // namespace mlops
