// The JSON forms of store records, shared by every query command's --json output and the web UI's
// /api pages. The shapes are documented in docs/cli.md and stable within a major version.
#pragma once

#include <nlohmann/json.hpp>

#include "store/metadata_store.hpp"

namespace mlops {

nlohmann::json run_json(const RunRecord& run);
nlohmann::json execution_json(const ExecutionRecord& execution);
nlohmann::json artifact_json(const ArtifactRecord& artifact);

}  // namespace mlops
