// `gate:` blocks of stages, and the names of models and aliases (docs/registry.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

// Model names and aliases: a letter or digit, then letters, digits, _ . -; at most 64.
bool is_valid_model_name(std::string_view name);
// "v7": a version, not an alias (aliases may not look like one).
bool is_version_selector(std::string_view selector);

// The gate of stage `stage`, with a diagnostic for everything wrong (a gate with no checks, a
// check without a direction, a comparison without a baseline, ...).
std::optional<GateSpec> parse_gate(const YamlNode& node, Diagnostics& diagnostics,
                                   const std::string& stage);

// Checks across stages: a model is written by one out of one stage without a matrix; a gate
// judges a model this pipeline writes, from the stage's metrics.
void check_models(const PipelineSpec& spec, Diagnostics& diagnostics);

}  // namespace mlops
