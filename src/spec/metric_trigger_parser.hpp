// The metric trigger's part of the trigger parser (trigger_parser.cpp): its nested `source`,
// `condition`, `window`, `min_samples` and `clear` mappings, each mistake reported at its
// file:line:column. Internal to spec/.
#pragma once

#include <optional>
#include <string_view>

#include "spec/pipeline.hpp"
#include "spec/section_reader.hpp"

namespace mlops {

// Parses one `metric:` mapping and appends it to `out` (also when it has errors, which go to the
// reader's diagnostics).
void parse_metric_trigger(const YamlNode& body, SectionReader& reader, TriggerSpecs& out);

// A finite decimal number (YAML's .inf, .nan, 0x1f and 1e999 are refused); nothing after an error.
std::optional<double> finite_number(const YamlNode& value, std::string_view key,
                                    SectionReader& reader);

}  // namespace mlops
