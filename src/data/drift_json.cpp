#include "data/drift_json.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "util/json_text.hpp"

namespace mlops {

using nlohmann::json;

namespace {

json optional_number(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value))
    return nullptr;
  return *value;
}

json column_json(const ColumnDrift& d) {
  json bins = json::array();
  for (size_t i = 0; i < d.bins.size(); ++i) {
    bins.push_back({{"bin", d.bins[i]},
                    {"reference", d.reference_shares[i]},
                    {"current", d.current_shares[i]}});
  }
  json out = {{"column", d.column},
              {"kind", d.numeric ? "numeric" : "categorical"},
              {"status", drift_status_name(d.status)},
              {"method", drift_method_name(d.method)},
              {"value", optional_number(d.value)},
              {"warn", d.warn},
              {"fail", d.fail},
              {"critical", d.critical},
              {"reference_count", d.reference_count},
              {"current_count", d.current_count},
              {"null_fraction_delta", d.null_fraction_delta},
              {"psi", optional_number(d.psi)},
              {"js_divergence", optional_number(d.js_divergence)},
              {"js_distance", optional_number(d.js_distance)},
              {"linf", optional_number(d.linf)},
              {"ks_d", optional_number(d.ks_d)},
              {"ks_d_robust", optional_number(d.ks_d_robust)},
              {"wasserstein_norm", optional_number(d.wasserstein_norm)},
              {"mean_delta_sigmas", optional_number(d.mean_delta_sigmas)}};
  out["bins"] = std::move(bins);  // moved, not copied: an initializer list copies its values
  if (!d.numeric)
    out["linf_value"] = d.linf_value;
  return out;
}

}  // namespace

std::string drift_report_to_json(const DriftReport& report, const DriftPolicy& policy,
                                 const DriftSides& sides) {
  json columns = json::array();
  for (const ColumnDrift& d : report.columns)
    columns.push_back(column_json(d));
  json doc = {{"schema", k_drift_schema_id},
              {"reference", {{"source", sides.reference}, {"rows", sides.reference_rows}}},
              {"current", {{"source", sides.current}, {"rows", sides.current_rows}}},
              {"policy",
               {{"method", drift_method_name(policy.method)},
                {"warn", policy.warn},
                {"fail", policy.fail},
                {"min_rows", policy.min_rows},
                {"drift_share", policy.drift_share},
                {"epsilon", policy.epsilon}}},
              {"dataset",
               {{"drift", report.dataset_drift},
                {"share", report.share},
                {"evaluated", report.evaluated},
                {"drifted", report.drifted},
                {"warned", report.warned},
                {"critical_drift", report.critical_drift},
                {"missing_columns", report.missing_columns},
                {"new_columns", report.new_columns}}}};
  doc["columns"] = std::move(columns);  // a 1000-column report: moved, not deep-copied
  return json_text(doc, 2) + "\n";
}

std::string drift_metrics_json(const DriftReport& report) {
  json metrics = json::object();
  auto put = [&](const std::string& key, const std::optional<double>& value) {
    if (value && std::isfinite(*value))
      metrics[key] = *value;
  };
  for (const ColumnDrift& d : report.columns) {
    std::string prefix = "drift." + d.column + ".";
    put(prefix + "psi", d.psi);
    put(prefix + "js_divergence", d.js_divergence);
    put(prefix + "js_distance", d.js_distance);
    put(prefix + "linf", d.linf);
    put(prefix + "ks_d", d.ks_d);
    put(prefix + "ks_d_robust", d.ks_d_robust);
    put(prefix + "wasserstein_norm", d.wasserstein_norm);
    put(prefix + "null_fraction_delta", d.null_fraction_delta);
    metrics[prefix + "drifted"] = d.status == DriftStatus::Drift ? 1 : 0;
  }
  metrics["drift.share"] = report.share;
  metrics["drift.drifted"] = report.drifted;
  metrics["drift.evaluated"] = report.evaluated;
  metrics["drift.detected"] = report.dataset_drift ? 1 : 0;
  return json_text(metrics, 2) + "\n";
}
}  // namespace mlops
