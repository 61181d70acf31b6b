// The JSON forms of the experiments table (`mlops runs --params --metrics --json`) and of a
// comparison (`mlops compare --json`), shared by the CLI and the web UI's /api pages. Shapes in
// docs/cli.md.
#pragma once

#include <nlohmann/json.hpp>

#include "app/compare.hpp"
#include "app/experiments.hpp"
#include "app/queries.hpp"

namespace mlops {

// [{column: value}] with the columns in order: metrics as numbers, missing values null, the rest
// strings.
nlohmann::ordered_json experiment_table_json(const ExperimentTable& table);

// {"runs": [run...], "params"|"outputs": {name: {"values": [...], "changed": bool}},
//  "metrics": {key: {"values": [...], "deltas": [value - first value, ...]}}}
nlohmann::json comparison_json(const RunComparison& comparison);

// `mlops show RUN --json`: {run..., "executions": [{execution..., "inputs", "outputs",
// "metrics"}], "hooks": [{hook, status, exit_code, signal, message, started_at, ended_at,
// duration_ms, log}]}
nlohmann::json run_details_json(const RunDetails& details);

}  // namespace mlops
