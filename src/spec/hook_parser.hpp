// The pipeline's notification hooks: `on_failure:`, `on_rejected:` and `on_success:`, each a
// command string or {run: COMMAND, timeout: DURATION} (docs/pipeline-format.md,
// "Notifications"), with FILE:LINE:COL diagnostics.
#pragma once

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

// The longest timeout a hook may ask for: a hook runs while the pipeline's lock is held.
inline constexpr Milliseconds k_max_hook_timeout{3600 * 1000};

// Reads the hook named by `key` (on_failure, on_rejected or on_success) into `hooks`.
void parse_hook(const YamlNode& key, const YamlNode& value, Diagnostics& diagnostics,
                PipelineHooks& hooks);

}  // namespace mlops
