#include "features/sql_names.hpp"

#include <cctype>
#include <string>

namespace mlops {

bool is_safe_column_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '_' || name[0] == '-') {
    return false;
  }
  std::string lower;
  for (char c : name) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower == "rowid" || lower == "oid") {
    return false;  // SQLite's names of the row id
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

bool is_group_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '_' || name[0] == '-') {
    return false;
  }
  for (char c : name) {
    if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string quote_name(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

const char* sql_type(FeatureType type) {
  switch (type) {
    case FeatureType::Int:
    case FeatureType::Bool:
      return "INTEGER";
    case FeatureType::Float:
      return "REAL";
    case FeatureType::String:
      return "TEXT";
  }
  return "BLOB";
}

std::string column_list(const std::vector<FeatureColumnSpec>& columns, std::string_view prefix) {
  std::string list;
  for (const auto& column : columns) {
    if (!list.empty()) {
      list += ", ";
    }
    list += prefix;
    list += quote_name(column.name);
  }
  return list;
}

}  // namespace mlops
