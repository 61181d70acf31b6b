// Reading one mapping of a pipeline file into typed fields, with a diagnostic for each value
// of the wrong type. Shared by the parsers of stages (parser.cpp) and triggers
// (trigger_parser.cpp).
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "spec/parser.hpp"
#include "spec/pipeline.hpp"
#include "util/duration.hpp"
#include "util/strings.hpp"

namespace mlops {

// Reads one value of a mapping into a typed field, reporting a type error when it does not fit.
class SectionReader {
 public:
  SectionReader(Diagnostics& diagnostics, std::string context)
      : m_diagnostics(diagnostics), m_context(std::move(context)) {}

  void type_error(const YamlNode& node, std::string_view key, std::string_view expected) {
    m_diagnostics.error(node.mark, fmt::format("'{}'{} must be {}, not {}", key, m_context,
                                               expected, node.describe()));
  }

  std::optional<LocatedString> string(const YamlNode& node, std::string_view key) {
    if (!node.is_scalar() || node.type != ScalarType::String) {
      type_error(node, key, "a string");
      return std::nullopt;
    }
    return LocatedString{node.text, node.mark};
  }

  // Strings, numbers and booleans, as text (env values, argv items, matrix values).
  std::optional<LocatedString> scalar(const YamlNode& node, std::string_view key) {
    if (!node.is_scalar() || node.is_null()) {
      type_error(node, key, "a string, number or boolean");
      return std::nullopt;
    }
    return LocatedString{node.text, node.mark};
  }

  std::vector<LocatedString> string_list(const YamlNode& node, std::string_view key) {
    std::vector<LocatedString> out;
    if (!node.is_sequence()) {
      type_error(node, key, "a list of strings");
      return out;
    }
    for (const auto& item : node.items) {
      if (auto value = list_item(item, key)) {
        out.push_back(std::move(*value));
      }
    }
    return out;
  }

  // One non-empty string item of the list `key`.
  std::optional<LocatedString> list_item(const YamlNode& item, std::string_view key) {
    auto value = string(item, std::string(key) + " item");
    if (value && value->value.empty()) {
      m_diagnostics.error(item.mark, fmt::format("'{}'{} has an empty entry", key, m_context));
      return std::nullopt;
    }
    return value;
  }

  std::optional<Located<Milliseconds>> duration(const YamlNode& node, std::string_view key) {
    if (node.is_scalar() && (node.type == ScalarType::Int || node.type == ScalarType::Float)) {
      m_diagnostics.error(node.mark, fmt::format("'{}'{} needs a unit: write {}s, {}m or {}ms "
                                                 "(units: ms, s, m, h)",
                                                 key, m_context, node.text, node.text, node.text));
      return std::nullopt;
    }
    auto text = string(node, key);
    if (!text) {
      return std::nullopt;
    }
    auto parsed = parse_duration(text->value);
    if (!parsed) {
      m_diagnostics.error(node.mark,
                          fmt::format("'{}'{} is not a duration: '{}' (write a number and a "
                                      "unit, such as 500ms, 30s, 10m, 2h or 1h30m)",
                                      key, m_context, text->value));
      return std::nullopt;
    }
    return Located<Milliseconds>{*parsed, node.mark};
  }

  std::vector<std::pair<LocatedString, LocatedString>> env(const YamlNode& node) {
    std::vector<std::pair<LocatedString, LocatedString>> out;
    if (!node.is_map()) {
      type_error(node, "env", "a mapping of variable names to values");
      return out;
    }
    for (const auto& [key, value] : node.entries) {
      if (!is_valid_identifier(key.text)) {
        m_diagnostics.error(key.mark,
                            fmt::format("'{}' is not a valid environment variable name (use "
                                        "letters, digits and _, not starting with a digit)",
                                        key.text));
        continue;
      }
      if (key.text.starts_with("MLOPS_")) {
        m_diagnostics.error(key.mark, fmt::format("'{}': variables starting with MLOPS_ are set "
                                                  "by mlops itself; choose another name",
                                                  key.text));
        continue;
      }
      if (auto text = scalar(value, key.text)) {
        out.emplace_back(LocatedString{key.text, key.mark}, std::move(*text));
      }
    }
    return out;
  }

  void unknown_key(const YamlNode& key, const std::vector<std::string>& known) {
    m_diagnostics.error(key.mark, fmt::format("unknown key '{}'{}{}", key.text, m_context,
                                              did_you_mean(key.text, known)));
  }

  Diagnostics& diagnostics() { return m_diagnostics; }
  const std::string& context() const { return m_context; }

 private:
  Diagnostics& m_diagnostics;
  std::string m_context;  // " in stage 'x'", or ""
};

// A finite decimal number (thresholds): YAML's .inf, .nan, 0x1f and 1e999 are refused.
inline std::optional<double> number(const YamlNode& value, std::string_view key,
                                    SectionReader& reader) {
  if (!value.is_scalar() || (value.type != ScalarType::Int && value.type != ScalarType::Float)) {
    reader.type_error(value, key, "a number");
    return std::nullopt;
  }
  std::string_view text = value.text;
  if (text.starts_with("+"))
    text.remove_prefix(1);
  double parsed = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(parsed)) {
    reader.diagnostics().error(value.mark, fmt::format("'{}'{} must be a finite decimal number, "
                                                       "not '{}'",
                                                       key, reader.context(), value.text));
    return std::nullopt;
  }
  return parsed;
}

// A YAML boolean (true/false), else a type error and nothing.
inline std::optional<bool> boolean(const YamlNode& value, std::string_view key,
                                   SectionReader& reader) {
  if (!value.is_scalar() || value.type != ScalarType::Bool) {
    reader.type_error(value, key, "true or false");
    return std::nullopt;
  }
  return value.text == "true" || value.text == "True" || value.text == "TRUE";
}

// An integer from 1 to `max` (decimal), else an error and nothing.
inline std::optional<int64_t> positive_integer(const YamlNode& value, std::string_view key,
                                               SectionReader& reader, int64_t max) {
  if (!value.is_scalar() || value.type != ScalarType::Int) {
    reader.type_error(value, key, "an integer of at least 1");
    return std::nullopt;
  }
  int64_t parsed = 0;
  std::string_view text = value.text;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (error != std::errc() || end != text.data() + text.size() || parsed < 1 || parsed > max) {
    reader.diagnostics().error(value.mark, fmt::format("'{}'{} must be an integer from 1 to {}, "
                                                       "not {}",
                                                       key, reader.context(), max, value.text));
    return std::nullopt;
  }
  return parsed;
}

}  // namespace mlops
