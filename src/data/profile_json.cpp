#include "data/profile_json.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "data/byte_codec.hpp"
#include "util/json_text.hpp"

namespace mlops {

using nlohmann::json;

namespace {

// ---- writing ----------------------------------------------------------------------------------

json number(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  return value;
}

constexpr double k_reported_quantiles[] = {0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99};

std::string quantile_name(double q) {
  int percent = static_cast<int>(std::lround(q * 100));
  return (percent < 10 ? "p0" : "p") + std::to_string(percent);
}

// Ten equal-width bins between the finite minimum and maximum; counts from the KLL ranks (so
// approximate, within the sketch's rank error). Values equal to the minimum are in the first bin.
json histogram(const ColumnProfile& c) {
  const Moments& m = c.moments;
  json edges = json::array();
  json counts = json::array();
  if (m.count == 0)
    return {{"edges", edges}, {"counts", counts}};
  double n = static_cast<double>(c.quantiles.count());
  double low = m.min;
  double width = (m.max - m.min) / 10.0;
  double below = c.quantiles.rank(std::nextafter(low, -INFINITY)) * n;
  double previous = below;
  for (int i = 0; i <= 10; ++i)
    edges.push_back(i == 10 ? m.max : low + width * i);
  for (int i = 1; i <= 10; ++i) {
    double edge = i == 10 ? m.max : low + width * i;
    double cumulative = c.quantiles.rank(edge) * n;
    counts.push_back(static_cast<uint64_t>(std::llround(std::max(0.0, cumulative - previous))));
    previous = cumulative;
  }
  return {{"edges", edges}, {"counts", counts}};
}

json numeric_json(const ColumnProfile& c) {
  const Moments& m = c.moments;
  json out = {{"count", c.numeric_count()},
              {"finite", m.count},
              {"min", m.count ? m.min : 0.0},
              {"max", m.count ? m.max : 0.0},
              {"sum", m.sum},
              {"mean", m.mean},
              {"stddev", m.stddev()},
              {"skewness", m.skewness()},
              {"kurtosis", m.kurtosis()},
              {"zeros", c.zeros},
              {"negatives", c.negatives},
              {"nan", c.nan},
              {"infinities", c.infinities}};
  if (!c.quantiles.empty()) {
    // One sort of the sketch for the 9 reported quantiles and the 11 decile edges.
    std::vector<double> ranks(std::begin(k_reported_quantiles), std::end(k_reported_quantiles));
    for (int i = 0; i <= 10; ++i)
      ranks.push_back(i / 10.0);
    std::vector<double> values = c.quantiles.quantiles(ranks);
    json quantiles = json::object();
    size_t at = 0;
    for (double q : k_reported_quantiles)
      quantiles[quantile_name(q)] = number(values[at++]);
    out["quantiles"] = quantiles;
    json deciles = json::array();
    while (at < values.size())
      deciles.push_back(number(values[at++]));
    out["deciles"] = deciles;
  }
  out["histogram"] = histogram(c);
  return out;
}

json text_json(const ColumnProfile& c, uint32_t top_reported) {
  json top = json::array();
  for (const FrequentItem& item : c.top.top(top_reported)) {
    top.push_back({{"value", item.value}, {"count", item.count}, {"error", item.error}});
  }
  double mean = c.length_count ? static_cast<double>(c.length_sum) / c.length_count : 0.0;
  return {{"count", c.length_count},
          {"length_min", c.length_min},
          {"length_mean", mean},
          {"length_max", c.length_max},
          {"top", top}};
}

json sketches_json(const ColumnProfile& c) {
  const Moments& m = c.moments;
  return {{"hll", base64_encode(c.distinct.serialize())},
          {"kll", base64_encode(c.quantiles.serialize())},
          {"top", base64_encode(c.top.serialize())},
          {"moments",
           {{"count", m.count},
            {"sum", m.sum},
            {"min", m.min},
            {"max", m.max},
            {"mean", m.mean},
            {"m2", m.m2},
            {"m3", m.m3},
            {"m4", m.m4}}},
          {"length",
           {{"count", c.length_count},
            {"min", c.length_min},
            {"max", c.length_max},
            {"sum", c.length_sum}}}};
}

json column_json(const ColumnProfile& c, const DatasetProfile& profile) {
  json types = json::object();
  for (int t = 0; t < k_value_type_count; ++t) {
    types[value_type_name(static_cast<ValueType>(t))] = c.type_counts[t];
  }
  json out = {{"name", c.name},
              {"type", c.inferred_type()},
              {"count", c.count},
              {"nulls", c.nulls},
              {"null_fraction", c.null_fraction(profile.rows)},
              {"types", types},
              {"distinct_estimate", std::llround(c.distinct.estimate())},
              {"zeros", c.zeros},
              {"nan", c.nan},
              {"infinities", c.infinities}};
  if (c.numeric_count() > 0)
    out["numeric"] = numeric_json(c);
  if (c.length_count > 0)
    out["text"] = text_json(c, profile.options.top_k_reported);
  out["values_complete"] = c.exact_complete;
  if (c.exact_complete) {
    json values = json::object();
    for (const auto& [value, count] : c.exact_values)
      values[value] = count;
    out["values"] = values;
  }
  out["sketches"] = sketches_json(c);
  return out;
}

}  // namespace

std::string profile_to_json(const DatasetProfile& profile) {
  json malformed = json::array();
  for (const MalformedRow& row : profile.malformed_sample) {
    malformed.push_back({{"line", row.line}, {"reason", row.reason}});
  }
  const ProfileOptions& o = profile.options;
  json columns = json::array();
  for (const ColumnProfile& c : profile.columns)
    columns.push_back(column_json(c, profile));
  json doc = {{"schema", k_profile_schema_id},
              {"source", profile.source},
              {"format", profile.format},
              {"bytes", profile.bytes},
              {"rows", profile.rows},
              {"column_count", profile.columns.size()},
              {"malformed_rows", profile.malformed_rows},
              {"malformed_sample", malformed},
              {"duplicate_rows_estimate", profile.duplicate_rows_estimate()},
              {"options",
               {{"null_values", o.null_values},
                {"kll_k", o.kll_k},
                {"hll_precision", o.hll_precision},
                {"top_k_capacity", o.top_k_capacity},
                {"top_k_reported", o.top_k_reported},
                {"exact_values_limit", o.exact_values_limit},
                {"quoted_is_string", o.quoted_is_string}}},
              {"sketches", {{"distinct_rows", base64_encode(profile.distinct_rows.serialize())}}},
              {"columns", columns}};
  return json_text(doc, 2) + "\n";
}

std::string profile_metrics_json(const DatasetProfile& profile) {
  json metrics = json::object();
  metrics["data.rows"] = profile.rows;
  metrics["data.columns"] = profile.columns.size();
  metrics["data.malformed_rows"] = profile.malformed_rows;
  metrics["data.duplicate_rows"] = profile.duplicate_rows_estimate();
  for (const ColumnProfile& c : profile.columns) {
    std::string prefix = "data." + c.name + ".";
    metrics[prefix + "null_fraction"] = c.null_fraction(profile.rows);
    metrics[prefix + "distinct"] = std::llround(c.distinct.estimate());
    if (c.moments.count > 0) {
      metrics[prefix + "mean"] = c.moments.mean;
      metrics[prefix + "stddev"] = c.moments.stddev();
      metrics[prefix + "min"] = c.moments.min;
      metrics[prefix + "max"] = c.moments.max;
      double median = c.quantiles.quantile(0.5);
      if (std::isfinite(median))
        metrics[prefix + "p50"] = median;
    }
  }
  return json_text(metrics, 2) + "\n";
}
}  // namespace mlops
