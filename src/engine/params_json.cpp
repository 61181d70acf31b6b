#include "engine/params_json.hpp"
#include "util/json_text.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace mlops {
namespace {

nlohmann::json typed_value(const ParamValue& value) {
  try {
    switch (value.type) {
      case ScalarType::Null:
        return nullptr;
      case ScalarType::Bool:
        return value.text == "true" || value.text == "True" || value.text == "TRUE";
      case ScalarType::Int:
        return std::stoll(value.text, nullptr, 0);
      case ScalarType::Float:
        return std::stod(value.text);
      case ScalarType::String:
        break;
    }
  } catch (const std::exception&) {
    // Out of range or .inf/.nan: keep the text.
  }
  return value.text;
}

nlohmann::json::json_pointer pointer_of(const std::string& name) {
  std::string path = "/" + name;
  std::replace(path.begin(), path.end(), '.', '/');
  return nlohmann::json::json_pointer(path);
}

}  // namespace

std::string params_to_json(const ParamMap& params) {
  nlohmann::json root = nlohmann::json::object();
  for (const auto& [name, value] : params) {
    root[pointer_of(name)] = typed_value(value);
  }
  return json_text(root);
}

std::vector<std::string> param_changes(const std::string& stored_json, const ParamMap& now,
                                       const std::vector<std::string>& names) {
  std::vector<std::string> changes;
  auto stored = nlohmann::json::parse(stored_json, nullptr, false);
  for (const auto& name : names) {
    nlohmann::json::json_pointer pointer;
    try {
      pointer = pointer_of(name);
    } catch (const nlohmann::json::exception&) {
      continue;  // not a name the codec could have written
    }
    bool had = stored.is_object() && stored.contains(pointer);
    std::string old_text = "(unset)";
    if (had) {
      const auto& value = stored[pointer];
      old_text = value.is_string() ? value.get<std::string>() : json_text(value);
    }
    auto current = now.find(name);
    std::string new_text = current == now.end() ? "(unset)" : current->second.text;
    bool same = old_text == new_text ||
                (had && current != now.end() && stored[pointer] == typed_value(current->second));
    if (!same) {
      changes.push_back("param " + name + " changed: " + old_text + " -> " + new_text);
    }
  }
  return changes;
}

}  // namespace mlops
