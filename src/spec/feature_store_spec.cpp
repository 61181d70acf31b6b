#include "spec/feature_store_spec.hpp"

namespace mlops {

const char* feature_type_name(FeatureType type) {
  switch (type) {
    case FeatureType::Int:
      return "int";
    case FeatureType::Float:
      return "float";
    case FeatureType::String:
      return "string";
    case FeatureType::Bool:
      return "bool";
  }
  return "float";
}

std::optional<FeatureType> feature_type_from_name(std::string_view name) {
  if (name == "int") {
    return FeatureType::Int;
  }
  if (name == "float") {
    return FeatureType::Float;
  }
  if (name == "string") {
    return FeatureType::String;
  }
  if (name == "bool") {
    return FeatureType::Bool;
  }
  return std::nullopt;
}

}  // namespace mlops
