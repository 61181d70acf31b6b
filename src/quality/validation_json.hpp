// validation.json: a ValidationReport as a JSON document (schema id mlops.validation/1,
// published as schemas/validation.schema.json).
//
//   {"schema": "mlops.validation/1", "source": "data.csv", "rules": "rules.yaml",
//    "format": "csv", "rows": 1000, "malformed_rows": 0, "bytes": 48213,
//    "columns": ["id", "age"], "verdict": "accepted" | "rejected", "strict": false,
//    "summary": {"checks": 9, "passed": 8, "failed": 1, "skipped": 0, "errors": 1,
//                "warnings": 0},
//    "checks": [{"id": "columns.age.range", "kind": "range", "level": "error",
//                "columns": ["age"], "verdict": "fail", "measured": 0.998,
//                "threshold": {"min": 0, "max": 120, "mostly": 1}, "expected": "between 0 and 120",
//                "summary": "...", "approximate": false, "note": "",
//                "values_checked": 1000, "values_failed": 2,
//                "failing_rows": [{"line": 17, "values": {"age": "130"}}]}, ...]}
//
// `measured` is a number, or null when nothing could be measured; numbers JSON cannot hold are
// the strings "nan", "inf" and "-inf". `measured_text` says what a number alone does not (the
// columns missing). Row-level checks measure the fraction of values that passed;
// `values_checked` and `values_failed` give the counts. A malformed row's failing-row entry has
// a `reason` instead of values.
#pragma once

#include <string>
#include <string_view>

#include "quality/validation.hpp"

namespace mlops {

inline constexpr std::string_view k_validation_schema_id = "mlops.validation/1";

// The document, indented by two spaces. `strict` decides the verdict as --strict does.
std::string validation_to_json(const ValidationReport& report, bool strict);

// The validation's numbers as a flat metrics document for the store (a `uses: validate` stage's
// metrics): validate.checks, .passed, .failed, .skipped, .errors, .warnings, data.rows,
// data.malformed_rows, and the value of every metric a history check read, under the store's
// name for it (history metric `rows` is data.rows, `columns.C.S` is data.C.S), so that the next
// run's history checks find it.
std::string validation_metrics_json(const ValidationReport& report);

// The store's metric name of a history metric: "rows" -> "data.rows", "columns.a.mean" ->
// "data.a.mean".
std::string history_metric_key(std::string_view metric);

}  // namespace mlops
