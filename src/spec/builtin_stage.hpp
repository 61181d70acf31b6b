// Built-in stages: `uses: profile`, `uses: validate` and `uses: drift`, with `with:` arguments
// (docs/pipeline-format.md, "Built-in stages"; docs/data-quality.md).
//
// A built-in stage is the `mlops data ...` command it stands for, run by the mlops binary that
// runs the pipeline, so it is cached, retried, timed out, logged and recorded like any stage.
// Its data and rules files are its deps, its reports its outs (typed profile, validation or
// drift, so the store knows them), and a metrics file of every number it computed its metrics
// (data.rows, data.<column>.null_fraction, validate.errors, drift.<column>.psi, drift.share, ...).
// A stage that rejects the data exits 3, which the engine records as `rejected`, not `failed`.
#pragma once

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

inline const char* const k_builtin_stage_kinds[] = {"profile", "validate", "drift"};

// Reads `with:` (a mapping of names to scalars or lists of scalars) into `stage.with`.
void parse_builtin_with(const YamlNode& node, Diagnostics& diagnostics, StageSpec& stage);

// Turns `stage.uses` and `stage.with` into `stage.cmd`, deps, outs and metrics. Reports an
// unknown kind, unknown or missing arguments, and a `run`/`cmd` next to `uses`.
void expand_builtin_stage(StageSpec& stage, Diagnostics& diagnostics);

}  // namespace mlops
