#include "quality/validation_json.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "util/json_text.hpp"

namespace mlops {

using nlohmann::json;

namespace {

json number(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  if (value == std::floor(value) && std::fabs(value) < 9e15)
    return static_cast<int64_t>(value);
  return value;
}

void put_bounds(json& out, const Bounds& bounds) {
  if (bounds.min)
    out["min"] = number(*bounds.min);
  if (bounds.max)
    out["max"] = number(*bounds.max);
}

void put_history(json& out, const CheckResult& r) {
  const HistoryRule& h = r.spec.history;
  out["metric"] = h.metric;
  if (h.max_increase)
    out["max_increase"] = number(*h.max_increase);
  if (h.max_decrease)
    out["max_decrease"] = number(*h.max_decrease);
  if (h.sigmas) {
    out["sigmas"] = number(*h.sigmas);
    out["window"] = h.window;
  }
  out["history_runs"] = r.history_runs;
}

json threshold(const CheckResult& r) {
  const CheckSpec& s = r.spec;
  json out = json::object();
  put_bounds(out, r.threshold);
  if (s.row_level())
    out["mostly"] = number(s.mostly);
  switch (s.kind) {
    case CheckKind::Columns:
      if (!s.required.empty())
        out["required"] = s.required;
      if (!s.exact.empty())
        out["exact"] = s.exact;
      if (!s.forbidden.empty())
        out["forbidden"] = s.forbidden;
      break;
    case CheckKind::History:
      put_history(out, r);
      break;
    case CheckKind::Type:
      out["type"] = expected_type_name(s.type);
      break;
    case CheckKind::InSet:
      out["values"] = s.values;
      break;
    case CheckKind::Pattern:
      out["pattern"] = s.pattern;
      break;
    case CheckKind::Quantile:
      out["q"] = number(s.quantile);
      break;
    case CheckKind::Compare:
      out["op"] = compare_op_text(s.op);
      break;
    default:
      break;
  }
  return out;
}

json failing_rows(const CheckResult& r) {
  json rows = json::array();
  for (const FailingRow& row : r.failing_rows) {
    json entry = {{"line", row.line}};
    if (!row.file.empty())
      entry["file"] = row.file;
    if (!row.reason.empty()) {
      entry["reason"] = row.reason;
    } else {
      json values = json::object();
      for (const auto& [column, text] : row.values)
        values[column] = text;
      entry["values"] = values;
    }
    rows.push_back(entry);
  }
  return rows;
}

json check_json(const CheckResult& r) {
  json out = {{"id", r.spec.id},
              {"kind", check_kind_name(r.spec.kind)},
              {"level", check_level_name(r.spec.level)},
              {"columns", r.spec.columns},
              {"verdict", verdict_name(r.verdict)},
              {"measured", r.measured ? number(*r.measured) : json(nullptr)},
              {"threshold", threshold(r)},
              {"expected", r.expected},
              {"summary", r.summary},
              {"approximate", r.approximate}};
  if (!r.measured_text.empty())
    out["measured_text"] = r.measured_text;
  if (!r.note.empty())
    out["note"] = r.note;
  if (r.spec.row_level() || r.spec.kind == CheckKind::Unique ||
      r.spec.kind == CheckKind::Correlation) {
    out["values_checked"] = r.evaluated;
  }
  if (r.spec.row_level() || r.spec.kind == CheckKind::Unique)
    out["values_failed"] = r.failed;
  out["failing_rows"] = failing_rows(r);
  return out;
}

}  // namespace

std::string validation_to_json(const ValidationReport& report, bool strict) {
  const DatasetProfile& p = report.profile;
  json columns = json::array();
  for (const ColumnProfile& c : p.columns)
    columns.push_back(c.name);
  json checks = json::array();
  for (const CheckResult& r : report.checks)
    checks.push_back(check_json(r));
  size_t failed = report.checks.size() - report.passed() - report.skipped();
  json doc = {{"schema", std::string(k_validation_schema_id)},
              {"source", report.source},
              {"rules", report.rules_file},
              {"format", p.format},
              {"rows", p.rows},
              {"malformed_rows", p.malformed_rows},
              {"bytes", p.bytes},
              {"columns", columns},
              {"verdict", report.rejected(strict) ? "rejected" : "accepted"},
              {"strict", strict},
              {"summary",
               {{"checks", report.checks.size()},
                {"passed", report.passed()},
                {"failed", failed},
                {"skipped", report.skipped()},
                {"errors", report.failed_errors()},
                {"warnings", report.failed_warnings()}}},
              {"checks", checks}};
  return json_text(doc, 2) + "\n";
}

std::string history_metric_key(std::string_view metric) {
  constexpr std::string_view columns = "columns.";
  if (metric.starts_with(columns))
    metric.remove_prefix(columns.size());
  return "data." + std::string(metric);
}

std::string validation_metrics_json(const ValidationReport& report) {
  json metrics = json::object();
  size_t failed = report.checks.size() - report.passed() - report.skipped();
  metrics["validate.checks"] = report.checks.size();
  metrics["validate.passed"] = report.passed();
  metrics["validate.failed"] = failed;
  metrics["validate.skipped"] = report.skipped();
  metrics["validate.errors"] = report.failed_errors();
  metrics["validate.warnings"] = report.failed_warnings();
  metrics["data.rows"] = report.profile.rows;
  metrics["data.malformed_rows"] = report.profile.malformed_rows;
  for (const CheckResult& r : report.checks) {
    if (r.spec.kind != CheckKind::History)
      continue;
    std::optional<double> value = profile_metric(report.profile, r.spec.history.metric);
    if (value && std::isfinite(*value))
      metrics[history_metric_key(r.spec.history.metric)] = *value;
  }
  return json_text(metrics, 2) + "\n";
}

}  // namespace mlops
