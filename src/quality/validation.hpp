// The outcome of validating a data file against a rule set: one CheckResult per check, with the
// value measured, the threshold, the verdict and, for checks decided row by row, up to 20
// failing rows with their line numbers. quality/validation_json.hpp and validation_junit.hpp
// write it as validation.json and as a JUnit file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/profile.hpp"
#include "quality/rules.hpp"

namespace mlops {

enum class Verdict { Pass, Fail, Skipped };
const char* verdict_name(Verdict verdict);  // "pass", "fail", "skipped"

// The metrics of earlier accepted runs, by history metric name ("rows", "columns.amount.mean"),
// oldest first. History checks read them; with none, a history check is skipped.
using MetricHistory = std::map<std::string, std::vector<double>, std::less<>>;

// A row that failed a check: its line in the file and the values the check read (column ->
// text, cut to 200 bytes), or the reason a malformed row was refused.
struct FailingRow {
  uint64_t line = 0;
  std::vector<std::pair<std::string, std::string>> values;
  std::string reason;
  std::string file;  // the file of a directory read as one dataset (empty for a single file)
};

inline constexpr size_t k_failing_rows_kept = 20;

struct CheckResult {
  CheckSpec spec;  // the check as the rules file wrote it (id, kind, level, columns, thresholds)
  Verdict verdict = Verdict::Pass;
  // The number compared with the threshold: a count, a statistic, a correlation, or for
  // row-level checks the fraction of the values checked that passed. Nothing when it could not
  // be measured (a missing column, no numeric values); `measured_text` then or additionally says
  // what was found ("missing: id").
  std::optional<double> measured;
  std::string measured_text;
  Bounds threshold;           // the bounds applied (for history checks: computed from the history)
  std::string expected;       // the condition for people: "between 0 and 120", "in {SE, NO}"
  std::string summary;        // one line: what was measured against what
  bool approximate = false;   // from a sketch (quantiles, distinct counts, uniqueness past its cap)
  std::string note;           // why skipped or approximate, or what else to know
  uint64_t evaluated = 0;     // row-level and unique: the values (keys) checked; nulls are skipped
  uint64_t failed = 0;        // row-level and unique: those that failed
  uint64_t history_runs = 0;  // history: the earlier accepted values used
  std::vector<FailingRow> failing_rows;  // the first k_failing_rows_kept

  // A failed check at this level counts: errors always, warnings under --strict.
  bool failed_at(CheckLevel level) const { return verdict == Verdict::Fail && spec.level == level; }
};

struct ValidationReport {
  std::string source;               // the data file as named by the user
  std::string rules_file;           // the rules file as named by the user
  DatasetProfile profile;           // computed in the same pass
  std::vector<CheckResult> checks;  // in the rules file's order

  size_t passed() const;
  size_t skipped() const;
  size_t failed_errors() const;    // error-level checks that failed
  size_t failed_warnings() const;  // warning-level checks that failed
  // Rejected when an error-level check failed, or (strict) a warning-level one did.
  bool rejected(bool strict) const;
};

}  // namespace mlops
