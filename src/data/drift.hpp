// Drift between two profiles: every measure for every column, every time; thresholds only decide
// the verdict (docs/data-quality.md, "Drift", fixes each formula and says which tool's definition
// it matches).
//
// Numeric columns (int or float on both sides) are binned at the reference's deciles: the
// reference KLL sketch gives the edges q0.1 ... q0.9 (repeated edges merged), the bins are
// (-inf, e1], (e1, e2], ..., (ek, +inf), and each side's shares come from its own sketch's ranks.
// Other columns are binned by value: every value either side knows (exact counts while a column
// has at most exact_values_limit distinct values, else the SpaceSaving top values) plus one
// OTHER bin for the mass a side could not attribute. Nulls are not binned: the null fraction
// delta is reported separately.
//
// - psi: sum over bins of (c - r) * ln(c / r), an empty share replaced by epsilon (1e-4)
// - js_divergence: Jensen-Shannon divergence in bits (log2, 0..1; TFDV's definition)
// - js_distance: the square root of the divergence in nats (scipy.spatial.distance.jensenshannon
//   and Evidently's definition; 0..0.833)
// - linf: max over bins of |c - r|, each side normalized by its own total (TFDV's L-infinity);
//   for categorical columns with the value where it is reached
// - ks_d: max |F_r(x) - F_c(x)| over every retained sketch item (scipy.stats.ks_2samp's statistic
//   when both sketches still hold every value); ks_d_robust: max(0, D - 1.8 sqrt((n+m)/(n m)))
//   (Deequ's sample-size correction); numeric only
// - wasserstein_norm: the integral of |F_r - F_c| (scipy.stats.wasserstein_distance on the
//   sketches' items) divided by max(reference population stddev, 1e-3) (Evidently's
//   normalization); numeric only
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/profile.hpp"

namespace mlops {

enum class DriftMethod { Psi, JsDivergence, JsDistance, Linf, KsD, KsDRobust, WassersteinNorm };

const char* drift_method_name(DriftMethod method);  // "psi", "js_divergence", ...
std::optional<DriftMethod> parse_drift_method(std::string_view name);

struct ColumnDriftPolicy {
  std::optional<DriftMethod> method;  // default: the policy's
  std::optional<double> warn;
  std::optional<double> fail;
  bool critical = false;  // drift here alone makes the dataset drift
  bool ignore = false;
};

struct DriftPolicy {
  DriftMethod method = DriftMethod::Psi;
  double warn = 0.1;
  double fail = 0.25;
  uint64_t min_rows = 1000;  // non-null values needed on each side
  double drift_share = 0.5;  // dataset drift when this share of evaluated columns drift
  double epsilon = 1e-4;     // replaces empty bin shares in PSI
  std::map<std::string, ColumnDriftPolicy, std::less<>> columns;
};

enum class DriftStatus { Ok, Warn, Drift, Insufficient, Ignored };
const char* drift_status_name(DriftStatus status);  // "ok", "warn", "drift", ...

struct ColumnDrift {
  std::string column;
  bool numeric = false;
  uint64_t reference_count = 0;  // non-null values
  uint64_t current_count = 0;
  double null_fraction_delta = 0;  // current - reference
  // Every measure; the numeric-only ones are absent for categorical columns.
  double psi = 0;
  double js_divergence = 0;
  double js_distance = 0;
  double linf = 0;
  std::string linf_value;  // categorical: the value where linf is reached
  std::optional<double> ks_d;
  std::optional<double> ks_d_robust;
  std::optional<double> wasserstein_norm;
  std::optional<double> mean_delta_sigmas;
  std::vector<std::string> bins;  // bin labels: "(-inf, 3.5]" or a value, "OTHER"
  std::vector<double> reference_shares;
  std::vector<double> current_shares;
  // The verdict under the policy.
  DriftMethod method = DriftMethod::Psi;
  double value = 0;  // of `method`
  double warn = 0;
  double fail = 0;
  bool critical = false;
  DriftStatus status = DriftStatus::Ok;

  std::optional<double> measure(DriftMethod which) const;
};

struct DriftReport {
  std::vector<ColumnDrift> columns;          // columns both sides have, reference order
  std::vector<std::string> missing_columns;  // in the reference only
  std::vector<std::string> new_columns;      // in the current data only
  uint64_t evaluated = 0;                    // columns neither ignored nor insufficient
  uint64_t drifted = 0;
  uint64_t warned = 0;
  double share = 0;  // drifted / evaluated
  bool critical_drift = false;
  bool dataset_drift = false;
};

// Compares `current` with `reference` under `policy`.
DriftReport compute_drift(const DatasetProfile& reference, const DatasetProfile& current,
                          const DriftPolicy& policy);

// The measures alone, for one pair of columns (no verdict).
ColumnDrift compare_columns(const ColumnProfile& reference, uint64_t reference_rows,
                            const ColumnProfile& current, uint64_t current_rows, double epsilon);

// The formulas on two share vectors of the same bins (exposed for the golden tests).
double population_stability_index(const std::vector<double>& reference,
                                  const std::vector<double>& current, double epsilon);
double js_divergence_bits(const std::vector<double>& p, const std::vector<double>& q);

}  // namespace mlops
