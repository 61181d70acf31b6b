// The drift report artifact (drift.json, schema mlops.drift/1): every measure of every column
// with the verdict, the dataset verdict, and where each side came from.
#pragma once

#include <string>
#include <string_view>

#include "data/drift.hpp"

namespace mlops {

inline constexpr std::string_view k_drift_schema_id = "mlops.drift/1";

struct DriftSides {
  std::string reference;  // the file or profile each side was read from
  std::string current;
  uint64_t reference_rows = 0;
  uint64_t current_rows = 0;
};

std::string drift_report_to_json(const DriftReport& report, const DriftPolicy& policy,
                                 const DriftSides& sides);

// Every measure as a flat metrics document for the store (a `uses: drift` stage's metrics):
// drift.<column>.psi, .js_divergence, .js_distance, .linf, .ks_d, .ks_d_robust,
// .wasserstein_norm (numbers only), .null_fraction_delta, .drifted (0/1); drift.share,
// drift.drifted, drift.evaluated, drift.detected (0/1).
std::string drift_metrics_json(const DriftReport& report);

}  // namespace mlops
