// The checks decided from a finished profile rather than row by row: rows, columns, malformed
// rows, completeness, min, max, mean, stddev, quantile, distinct, and history checks against
// the metrics of earlier accepted runs. Private to quality/ (the validator calls it).
#pragma once

#include <string>

#include "quality/validation.hpp"

namespace mlops {

// The result of a profile-level check (verdict, measured value, threshold, texts).
CheckResult decide_profile_check(const CheckSpec& spec, const DatasetProfile& profile,
                                 const MetricHistory& history);

// The condition a check states, for people: "between 0 and 120", "rows >= 1000", "in {SE, NO}".
std::string describe_condition(const CheckSpec& spec);

// A measured number for people: whole numbers without a fraction, others to 6 digits.
std::string format_measure(double value);

// A check on a column the data does not have: failed, saying so (with a "did you mean" from the
// profile's columns).
CheckResult missing_column_result(const CheckSpec& spec, const std::string& column,
                                  const DatasetProfile& profile);

// The first of `spec.columns` the profile lacks, or nullptr.
const std::string* first_missing_column(const CheckSpec& spec, const DatasetProfile& profile);

// Sets `summary` from the measured value and the condition ("measured 950; expected rows >=
// 1000"), for checks that are not row-level.
void summarize(CheckResult& result);

}  // namespace mlops
