#include "app/models_json.hpp"

namespace mlops {
namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json optional_json(const std::optional<int64_t>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

json model_tags_json(const std::vector<ModelTag>& tags) {
  json object = json::object();
  for (const ModelTag& tag : tags) {
    object[tag.key] = tag.value;
  }
  return object;
}

json model_summary_json(const ModelSummary& model) {
  json aliases = json::object();
  for (const auto& [alias, version] : model.aliases) {
    aliases[alias] = version;
  }
  return {{"name", model.name},
          {"version_count", model.versions},
          {"latest_version", optional_json(model.latest)},
          {"aliases", aliases},
          {"tags", model_tags_json(model.tags)},
          {"created_at", model.created_at}};
}

json model_version_json(const ModelVersionRecord& version) {
  return {{"model", version.model},
          {"version", version.version},
          {"path", version.path},
          {"kind", version.kind},
          {"digest", version.digest},
          {"size", version.size},
          {"run", optional_json(version.run_id)},
          {"pipeline", optional_json(version.pipeline)},
          {"stage", optional_json(version.stage)},
          {"created_at", version.created_at}};
}

json gate_result_json(const std::optional<GateResultRecord>& gate) {
  if (!gate) {
    return nullptr;
  }
  return {{"id", gate->id},
          {"verdict", gate->verdict},
          {"baseline_alias", optional_json(gate->baseline_alias)},
          {"baseline_version", optional_json(gate->baseline_version)},
          {"run", optional_json(gate->run_id)},
          {"created_at", gate->created_at}};
}

json alias_move_json(const AliasMove& move) {
  return {{"id", move.id},
          {"model", move.model},
          {"alias", move.alias},
          {"from_version", optional_json(move.from_version)},
          {"to_version", move.to_version},
          {"action", move.action},
          {"actor", move.actor},
          {"at", move.at},
          {"reason", optional_json(move.reason)},
          {"gate_result", optional_json(move.gate_result)},
          {"run", optional_json(move.run_id)}};
}

json model_list_json(const std::vector<ModelSummary>& models) {
  json list = json::array();
  for (const auto& model : models) {
    list.push_back(model_summary_json(model));
  }
  return {{"models", list}};
}

json model_details_json(const ModelDetails& details) {
  json versions = json::array();
  for (const auto& version : details.versions) {
    json entry = model_version_json(version.record);
    entry["aliases"] = version.aliases;
    entry["tags"] = model_tags_json(version.tags);
    entry["gate"] = gate_result_json(version.gate);
    versions.push_back(std::move(entry));
  }
  return {{"model", model_summary_json(details.summary)},
          {"versions", versions},
          {"more", details.more}};
}

json model_history_json(const std::string& model, const std::vector<AliasMove>& moves) {
  json list = json::array();
  for (const auto& move : moves) {
    list.push_back(alias_move_json(move));
  }
  return {{"model", model}, {"moves", list}};
}

}  // namespace mlops
