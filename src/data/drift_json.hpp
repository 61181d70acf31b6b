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

}  // namespace mlops
