// Judging a candidate model version by a stage's `gate:` (docs/registry.md, "Gates"): pure
// arithmetic on the metric values, no store and no files, so that every edge case is a unit
// test (engine/gate_check_test.cpp).
//
// The rules, in one place:
// - every check must pass (AND); value bounds are inclusive; a missing, non-numeric or NaN
//   candidate value fails;
// - a change check (min_delta, min_rel_delta, max_regression) compares with the value the
//   baseline version's own gate recorded. No version holds the baseline alias: the change
//   checks are skipped with on_missing_baseline: pass (verdict passed_without_baseline) and fail
//   with fail. The candidate is the baseline version: change checks are skipped (a version
//   is not compared with itself). A baseline without that value (promoted with --force, or a
//   new slice) fails the check;
// - improvement = candidate - baseline for direction higher, baseline - candidate for lower;
//   min_delta: improvement >= d; max_regression: -improvement <= x; min_rel_delta:
//   improvement / |baseline| >= r, where a baseline of 0 makes the relative change +inf for
//   any improvement, -inf for any regression and 0 for none;
// - differences are compared with a tolerance of 1e-9 x max(1, |candidate|, |baseline|), so
//   0.85 - 0.80 counts as the 0.05 it is written as.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "spec/pipeline.hpp"
#include "util/error.hpp"

namespace mlops {

// A metrics file's numbers by flattened key ("auc", "slices.region=eu.auc"); NaN where the file
// said NaN. Keys whose value is a string, null or anything else not a number are in
// `non_numeric`.
struct GateMetrics {
  std::map<std::string, double> values;
  std::set<std::string> non_numeric;
};

struct GateCheckResult {
  std::string metric;  // the key checked: "auc", or "slices.region=eu.auc"
  std::string slice;   // "" or "region=eu"
  std::string kind;    // min, max, min_delta, min_rel_delta, max_regression, value, slices
  std::optional<double> value;
  std::optional<double> baseline;
  std::optional<double> threshold;
  std::string verdict;  // pass, fail or skipped
  std::string message;  // "auc 0.79 < min 0.8"
};

struct GateOutcome {
  std::string stage;
  std::string model;
  int64_t candidate = 0;
  std::string baseline_alias;  // "" for none
  std::optional<int64_t> baseline_version;
  std::string verdict;  // passed, failed or passed_without_baseline
  std::vector<GateCheckResult> checks;
  std::optional<std::string> promoted;       // the alias moved to the candidate
  std::optional<std::string> not_promoted;   // why a passing gate moved no alias
  std::optional<std::string> repeated_from;  // the run whose verdict an up-to-date stage repeats
  int64_t gate_result_id = 0;
  bool passed() const { return verdict != "failed"; }
  // "model churn v4 rejected: auc 0.79 < min 0.8; ..." or "... accepted ...".
  std::string summary() const;
};

struct GateBaseline {
  bool exists = false;  // a version holds the baseline alias
  bool candidate_is_baseline = false;
  std::optional<GateMetrics> metrics;  // what that version's gate recorded, if anything
};

// Judges `candidate` (GateOutcome's model/version fields are left for the caller).
GateOutcome evaluate_gate(const GateSpec& gate, const GateMetrics& candidate,
                          const GateBaseline& baseline);

// Reads the numbers of JSON metrics files for a gate: like engine/metrics_file.hpp, but bare
// NaN/Infinity tokens (Python's json.dump writes them) are read as such, so that a NaN fails
// the check that reads it instead of failing the file.
Result<GateMetrics> read_gate_metrics(const std::vector<std::string>& texts,
                                      const std::vector<std::string>& names = {});

// {"auc": 0.8, ...} (NaN as null) and back; and the checks as a JSON array.
std::string gate_metrics_json(const GateMetrics& metrics);
GateMetrics parse_gate_metrics_json(const std::string& json);
std::string gate_checks_json(const std::vector<GateCheckResult>& checks);
std::vector<GateCheckResult> parse_gate_checks_json(const std::string& json);

// The checks as rows of text for the reports: metric, check, value, baseline, threshold,
// verdict ("–" where there is no number).
inline constexpr const char* k_gate_columns[] = {"metric",   "check",     "value",
                                                 "baseline", "threshold", "verdict"};
std::vector<std::vector<std::string>> gate_check_rows(const std::vector<GateCheckResult>& checks);

}  // namespace mlops
