// Parsing the `triggers:` and `concurrency:` sections of a pipeline file (docs/triggers.md).
// Cron expressions, time zones and globs are checked here, so `mlops check` reports them at
// their file:line:column like any other mistake.
#pragma once

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

TriggerSpecs parse_triggers(const YamlNode& node, Diagnostics& diagnostics);

Concurrency parse_concurrency(const YamlNode& node, Diagnostics& diagnostics);

const char* concurrency_name(Concurrency concurrency);
const char* catchup_name(Catchup catchup);

}  // namespace mlops
