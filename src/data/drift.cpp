#include "data/drift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace mlops {

namespace {

struct MethodName {
  DriftMethod method;
  const char* name;
};

constexpr MethodName k_methods[] = {
    {DriftMethod::Psi, "psi"},
    {DriftMethod::JsDivergence, "js_divergence"},
    {DriftMethod::JsDistance, "js_distance"},
    {DriftMethod::Linf, "linf"},
    {DriftMethod::KsD, "ks_d"},
    {DriftMethod::KsDRobust, "ks_d_robust"},
    {DriftMethod::WassersteinNorm, "wasserstein_norm"},
};

double population_stddev(const Moments& m) {
  return m.count == 0 ? 0.0 : std::sqrt(std::max(0.0, m.m2 / static_cast<double>(m.count)));
}

// Decile edges of the reference, repeated edges merged.
std::vector<double> decile_edges(const KllSketch& reference) {
  std::vector<double> edges;
  for (double edge : reference.quantiles({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9})) {
    if (edges.empty() || edge > edges.back())
      edges.push_back(edge);
  }
  return edges;
}

std::vector<double> shares_at(const KllSketch& sketch, const std::vector<double>& edges) {
  std::vector<double> shares;
  double previous = 0;
  for (double edge : edges) {
    double cumulative = sketch.rank(edge);
    shares.push_back(std::max(0.0, cumulative - previous));
    previous = cumulative;
  }
  shares.push_back(std::max(0.0, 1.0 - previous));
  return shares;
}

// KS distance and the Wasserstein-1 integral, in one sweep over both sketches' sorted items.
void sweep_cdfs(const KllSketch& a, const KllSketch& b, double& ks, double& wasserstein) {
  std::vector<std::pair<double, uint64_t>> xs = a.sorted_items();
  std::vector<std::pair<double, uint64_t>> ys = b.sorted_items();
  double na = static_cast<double>(a.count());
  double nb = static_cast<double>(b.count());
  double fa = 0, fb = 0;
  size_t i = 0, j = 0;
  bool started = false;
  double previous = 0;
  ks = 0;
  wasserstein = 0;
  while (i < xs.size() || j < ys.size()) {
    double x = (j >= ys.size() || (i < xs.size() && xs[i].first <= ys[j].first)) ? xs[i].first
                                                                                 : ys[j].first;
    if (started && std::isfinite(x) && std::isfinite(previous)) {
      wasserstein += std::abs(fa - fb) * (x - previous);
    }
    while (i < xs.size() && xs[i].first == x)
      fa += static_cast<double>(xs[i++].second) / na;
    while (j < ys.size() && ys[j].first == x)
      fb += static_cast<double>(ys[j++].second) / nb;
    ks = std::max(ks, std::abs(fa - fb));
    previous = x;
    started = true;
  }
}

std::string bin_label(double low, double high) {
  return fmt::format("({:g}, {:g}]", low, high);
}

void numeric_measures(const ColumnProfile& r, const ColumnProfile& c, ColumnDrift& d) {
  std::vector<double> edges = decile_edges(r.quantiles);
  d.reference_shares = shares_at(r.quantiles, edges);
  d.current_shares = shares_at(c.quantiles, edges);
  double low = -INFINITY;
  for (double edge : edges) {
    d.bins.push_back(bin_label(low, edge));
    low = edge;
  }
  d.bins.push_back(bin_label(low, INFINITY));
  double ks = 0, w1 = 0;
  sweep_cdfs(r.quantiles, c.quantiles, ks, w1);
  double n = static_cast<double>(r.quantiles.count());
  double m = static_cast<double>(c.quantiles.count());
  double scale = std::max(population_stddev(r.moments), 1e-3);
  d.ks_d = ks;
  d.ks_d_robust = std::max(0.0, ks - 1.8 * std::sqrt((n + m) / (n * m)));
  d.wasserstein_norm = w1 / scale;
  d.mean_delta_sigmas = (c.moments.mean - r.moments.mean) / scale;
}

struct ValueCounts {
  std::map<std::string, double, std::less<>> known;
  double total = 0;
  double other = 0;  // mass not attributed to a known value
};

ValueCounts value_counts(const ColumnProfile& column) {
  ValueCounts counts;
  counts.total = static_cast<double>(column.count);
  double attributed = 0;
  if (column.exact_complete) {
    for (const auto& [value, n] : column.exact_values)
      counts.known[value] = static_cast<double>(n);
    attributed = counts.total;
  } else {
    for (const FrequentItem& item : column.top.top(column.top.capacity())) {
      double n = static_cast<double>(item.count - item.error);  // a lower bound: never too much
      counts.known[item.value] = n;
      attributed += n;
    }
  }
  counts.other = std::max(0.0, counts.total - attributed);
  return counts;
}

void categorical_measures(const ColumnProfile& r, const ColumnProfile& c, ColumnDrift& d) {
  ValueCounts rc = value_counts(r);
  ValueCounts cc = value_counts(c);
  std::set<std::string, std::less<>> values;
  for (const auto& entry : rc.known)
    values.insert(entry.first);
  for (const auto& entry : cc.known)
    values.insert(entry.first);
  auto share = [](const ValueCounts& counts, const std::string& value) {
    auto it = counts.known.find(value);
    return it == counts.known.end() || counts.total == 0 ? 0.0 : it->second / counts.total;
  };
  double best = -1;
  for (const std::string& value : values) {
    double a = share(rc, value);
    double b = share(cc, value);
    d.bins.push_back(value);
    d.reference_shares.push_back(a);
    d.current_shares.push_back(b);
    if (std::abs(a - b) > best) {
      best = std::abs(a - b);
      d.linf_value = value;
    }
  }
  if (rc.other > 0 || cc.other > 0) {
    d.bins.push_back("OTHER");
    d.reference_shares.push_back(rc.total == 0 ? 0.0 : rc.other / rc.total);
    d.current_shares.push_back(cc.total == 0 ? 0.0 : cc.other / cc.total);
  }
}

}  // namespace

const char* drift_method_name(DriftMethod method) {
  for (const MethodName& m : k_methods) {
    if (m.method == method)
      return m.name;
  }
  return "psi";
}

std::optional<DriftMethod> parse_drift_method(std::string_view name) {
  for (const MethodName& m : k_methods) {
    if (name == m.name)
      return m.method;
  }
  return std::nullopt;
}

const char* drift_status_name(DriftStatus status) {
  switch (status) {
    case DriftStatus::Ok:
      return "ok";
    case DriftStatus::Warn:
      return "warn";
    case DriftStatus::Drift:
      return "drift";
    case DriftStatus::Insufficient:
      return "insufficient";
    case DriftStatus::Ignored:
      return "ignored";
  }
  return "ok";
}

std::optional<double> ColumnDrift::measure(DriftMethod which) const {
  switch (which) {
    case DriftMethod::Psi:
      return psi;
    case DriftMethod::JsDivergence:
      return js_divergence;
    case DriftMethod::JsDistance:
      return js_distance;
    case DriftMethod::Linf:
      return linf;
    case DriftMethod::KsD:
      return ks_d;
    case DriftMethod::KsDRobust:
      return ks_d_robust;
    case DriftMethod::WassersteinNorm:
      return wasserstein_norm;
  }
  return std::nullopt;
}

double population_stability_index(const std::vector<double>& reference,
                                  const std::vector<double>& current, double epsilon) {
  double psi = 0;
  for (size_t i = 0; i < reference.size() && i < current.size(); ++i) {
    double r = std::max(reference[i], epsilon);
    double c = std::max(current[i], epsilon);
    psi += (c - r) * std::log(c / r);
  }
  return psi;
}

double js_divergence_bits(const std::vector<double>& p, const std::vector<double>& q) {
  double sum_p = 0, sum_q = 0;
  for (double v : p)
    sum_p += v;
  for (double v : q)
    sum_q += v;
  if (sum_p <= 0 || sum_q <= 0)
    return 0;
  double divergence = 0;
  for (size_t i = 0; i < p.size() && i < q.size(); ++i) {
    double a = p[i] / sum_p;
    double b = q[i] / sum_q;
    double m = (a + b) / 2;
    if (a > 0)
      divergence += 0.5 * a * std::log2(a / m);
    if (b > 0)
      divergence += 0.5 * b * std::log2(b / m);
  }
  return std::clamp(divergence, 0.0, 1.0);
}

ColumnDrift compare_columns(const ColumnProfile& reference, uint64_t reference_rows,
                            const ColumnProfile& current, uint64_t current_rows, double epsilon) {
  ColumnDrift d;
  d.column = reference.name;
  d.reference_count = reference.count;
  d.current_count = current.count;
  d.null_fraction_delta =
      current.null_fraction(current_rows) - reference.null_fraction(reference_rows);
  d.numeric = reference.is_numeric() && current.is_numeric() && !reference.quantiles.empty() &&
              !current.quantiles.empty();
  if (d.numeric) {
    numeric_measures(reference, current, d);
  } else {
    categorical_measures(reference, current, d);
  }
  d.psi = population_stability_index(d.reference_shares, d.current_shares, epsilon);
  d.js_divergence = js_divergence_bits(d.reference_shares, d.current_shares);
  d.js_distance = std::sqrt(d.js_divergence * std::log(2.0));
  d.linf = 0;
  for (size_t i = 0; i < d.bins.size(); ++i) {
    d.linf = std::max(d.linf, std::abs(d.current_shares[i] - d.reference_shares[i]));
  }
  return d;
}

}  // namespace mlops
