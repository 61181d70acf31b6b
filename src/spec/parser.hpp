// Turns a YAML tree into a PipelineSpec, checking keys, types, names and durations.
//
// Every problem is reported to the Diagnostics (unknown keys with a "did you mean" suggestion,
// wrong types, missing keys, bad names, bad durations) and parsing goes on, so one pass reports
// all of them. The returned spec holds whatever could be read; callers use it only when the
// diagnostics are empty. Cross-stage checks (references, paths, cycles) come later.
#pragma once

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

PipelineSpec parse_pipeline_spec(const YamlNode& root, Diagnostics& diagnostics);

// Reads a params mapping (the `params:` section, or a --params-file), flattening nested maps
// into dotted names. `origin` is recorded on each value. Names of nested maps go to `groups`.
ParamMap parse_params(const YamlNode& node, const std::string& origin, Diagnostics& diagnostics,
                      std::vector<std::string>* groups);

// Name rules, shared with the JSON Schema (schemas/pipeline.schema.json).
bool is_valid_pipeline_name(std::string_view name);  // [a-z0-9][a-z0-9_-]*, at most 64
bool is_valid_stage_name(std::string_view name);     // [A-Za-z0-9][A-Za-z0-9_-]*, at most 64
bool is_valid_identifier(std::string_view name);     // [A-Za-z_][A-Za-z0-9_]*
bool is_valid_param_name(std::string_view name);     // [A-Za-z_][A-Za-z0-9_-]*

}  // namespace mlops
