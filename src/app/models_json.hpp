// The JSON forms of the model registry's answers (app/models.hpp), shared by `mlops models ...
// --json` and the web UI's /api/models pages. The field names are documented in
// docs/registry.md: scripts rely on them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/models.hpp"

namespace mlops {

nlohmann::json model_tags_json(const std::vector<ModelTag>& tags);
nlohmann::json model_summary_json(const ModelSummary& model);
nlohmann::json model_version_json(const ModelVersionRecord& version);
nlohmann::json gate_result_json(const std::optional<GateResultRecord>& gate);
nlohmann::json alias_move_json(const AliasMove& move);

// `models list --json`: {"models": [summary...]}.
nlohmann::json model_list_json(const std::vector<ModelSummary>& models);
// `models show --json`: {"model": summary, "versions": [version + aliases, tags, gate], "more"}.
nlohmann::json model_details_json(const ModelDetails& details);
// `models history --json`: {"model": NAME, "moves": [move...]}.
nlohmann::json model_history_json(const std::string& model, const std::vector<AliasMove>& moves);

}  // namespace mlops
