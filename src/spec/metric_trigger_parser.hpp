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

}  // namespace mlops
