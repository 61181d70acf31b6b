#include "quality/rule_reader.hpp"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {

std::optional<double> yaml_number(const YamlNode& node) {
  if (!node.is_scalar() || (node.type != ScalarType::Int && node.type != ScalarType::Float)) {
    return std::nullopt;
  }
  std::string text = node.text;
  std::string_view body = text;
  bool negative = !body.empty() && body[0] == '-';
  if (!body.empty() && (body[0] == '-' || body[0] == '+'))
    body.remove_prefix(1);
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return negative ? -INFINITY : INFINITY;
  }
  if (body.starts_with("0o")) {
    double value =
        static_cast<double>(std::strtoull(std::string(body.substr(2)).c_str(), nullptr, 8));
    return negative ? -value : value;
  }
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || std::isnan(value))
    return std::nullopt;
  return value;
}

void RuleReader::type_error(const YamlNode& node, std::string_view key, std::string_view context,
                            std::string_view expected) {
  m_diagnostics.error(
      node.mark, fmt::format("'{}'{} must be {}, not {}", key, context, expected, node.describe()));
}

void RuleReader::unknown_key(const YamlNode& key, std::string_view context,
                             const std::vector<std::string>& known) {
  m_diagnostics.error(key.mark, fmt::format("unknown key '{}'{}{}", key.text, context,
                                            did_you_mean(key.text, known)));
}

std::optional<double> RuleReader::number(const YamlNode& node, std::string_view key,
                                         std::string_view context) {
  std::optional<double> value = yaml_number(node);
  if (!value)
    type_error(node, key, context, "a number");
  return value;
}

std::optional<double> RuleReader::fraction(const YamlNode& node, std::string_view key,
                                           std::string_view context) {
  std::optional<double> value = number(node, key, context);
  if (value && (*value < 0 || *value > 1)) {
    m_diagnostics.error(
        node.mark, fmt::format("'{}'{} must be between 0 and 1, not {}", key, context, node.text));
    return std::nullopt;
  }
  return value;
}

std::optional<double> RuleReader::count(const YamlNode& node, std::string_view key,
                                        std::string_view context) {
  std::optional<double> value = yaml_number(node);
  if (!value || node.type != ScalarType::Int) {
    type_error(node, key, context, "a whole number");
    return std::nullopt;
  }
  if (*value < 0) {
    m_diagnostics.error(node.mark,
                        fmt::format("'{}'{} may not be negative, not {}", key, context, node.text));
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> RuleReader::string(const YamlNode& node, std::string_view key,
                                              std::string_view context) {
  if (!node.is_scalar() || node.type != ScalarType::String) {
    type_error(node, key, context, "a string");
    return std::nullopt;
  }
  return node.text;
}

std::optional<bool> RuleReader::boolean(const YamlNode& node, std::string_view key,
                                        std::string_view context) {
  if (!node.is_scalar() || node.type != ScalarType::Bool) {
    type_error(node, key, context, "true or false");
    return std::nullopt;
  }
  return node.text == "true" || node.text == "True" || node.text == "TRUE";
}

std::optional<std::vector<std::string>> RuleReader::string_list(const YamlNode& node,
                                                                std::string_view key,
                                                                std::string_view context,
                                                                bool any_scalar) {
  const char* expected = any_scalar ? "a list of values" : "a list of strings";
  if (!node.is_sequence()) {
    type_error(node, key, context, expected);
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const YamlNode& item : node.items) {
    bool fits =
        item.is_scalar() && (any_scalar ? !item.is_null() : item.type == ScalarType::String);
    if (!fits) {
      type_error(item, std::string(key) + " item", context,
                 any_scalar ? "a string, number or boolean" : "a string");
      ok = false;
    } else if (!any_scalar && item.text.empty()) {
      m_diagnostics.error(item.mark, fmt::format("'{}'{} has an empty entry", key, context));
      ok = false;
    } else {
      out.push_back(item.text);
    }
  }
  if (!ok)
    return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> RuleReader::names(const YamlNode& node,
                                                          std::string_view key,
                                                          std::string_view context) {
  if (node.is_scalar() && node.type == ScalarType::String && !node.text.empty()) {
    return std::vector<std::string>{node.text};
  }
  if (!node.is_sequence()) {
    type_error(node, key, context, "a column name or a list of them");
    return std::nullopt;
  }
  auto list = string_list(node, key, context);
  if (list && list->empty()) {
    m_diagnostics.error(node.mark, fmt::format("'{}'{} needs at least one column", key, context));
    return std::nullopt;
  }
  return list;
}

std::optional<CheckLevel> RuleReader::level(const YamlNode& node, std::string_view context) {
  auto text = string(node, "level", context);
  if (!text)
    return std::nullopt;
  if (*text == "error")
    return CheckLevel::Error;
  if (*text == "warning")
    return CheckLevel::Warning;
  m_diagnostics.error(node.mark,
                      fmt::format("'level'{} must be error or warning, not '{}'{}", context, *text,
                                  did_you_mean(*text, {"error", "warning"})));
  return std::nullopt;
}

std::optional<std::string> RuleReader::id(const YamlNode& node, std::string_view context) {
  auto text = string(node, "id", context);
  if (!text)
    return std::nullopt;
  bool valid = !text->empty() && text->size() <= 200;
  for (char c : *text) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '.' || c == ':' || c == '-';
    valid = valid && allowed;
  }
  if (!valid) {
    m_diagnostics.error(node.mark, fmt::format("'{}' is not a valid check id (use letters, "
                                               "digits, _ . : and -, at most 200 characters)",
                                               *text));
    return std::nullopt;
  }
  return text;
}

bool RuleReader::bound_entry(const YamlNode& key, const YamlNode& value, std::string_view context,
                             Bounds& bounds, bool whole) {
  if (key.text != "min" && key.text != "max")
    return false;
  if (value.is_null())
    return true;  // an open side, written out
  std::optional<double> number =
      whole ? count(value, key.text, context) : this->number(value, key.text, context);
  (key.text == "min" ? bounds.min : bounds.max) = number;
  return true;
}

void RuleReader::check_bounds(const YamlNode& node, std::string_view key, std::string_view context,
                              const Bounds& bounds) {
  if (!node.find("min") && !node.find("max")) {
    m_diagnostics.error(node.mark, fmt::format("'{}'{} needs 'min', 'max' or both", key, context));
  } else if (bounds.min && bounds.max && *bounds.min > *bounds.max) {
    m_diagnostics.error(
        node.mark, fmt::format("'{}'{}: min {} is above max {}", key, context,
                               fmt::format("{:g}", *bounds.min), fmt::format("{:g}", *bounds.max)));
  }
}

void RuleReader::claim_id(const CheckSpec& check) {
  auto [it, inserted] = m_ids.emplace(check.id, check.mark);
  if (!inserted) {
    m_diagnostics.error(check.mark,
                        fmt::format("two checks have the id '{}' (the other is at line {}); give "
                                    "one of them its own 'id:'",
                                    check.id, it->second.line));
  }
}

bool read_check_option(RuleReader& reader, const YamlNode& key, const YamlNode& value,
                       std::string_view context, CheckSpec& check) {
  if (key.text == "id") {
    if (auto id = reader.id(value, context))
      check.id = *id;
  } else if (key.text == "level") {
    if (auto level = reader.level(value, context))
      check.level = *level;
  } else if (key.text == "mostly") {
    if (!check.row_level()) {
      reader.error(key.mark, fmt::format("'mostly'{} does not apply to a {} check, only to {}",
                                         context, check_kind_name(check.kind), k_row_level_kinds));
    } else if (auto mostly = reader.fraction(value, "mostly", context)) {
      check.mostly = *mostly;
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace mlops
