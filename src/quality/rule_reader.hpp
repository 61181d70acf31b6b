// The typed reads a rules file needs (numbers, fractions, strings, lists, bounds, levels, ids),
// each reporting a diagnostic in the house style when the value does not fit:
//   'mostly' in column 'age' must be a number, not a string
// Private to quality/: shared by rules_parser.cpp (sections, dataset and relations) and
// rules_parser_checks.cpp (column checks).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quality/rules.hpp"
#include "spec/diagnostic.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

class RuleReader {
 public:
  explicit RuleReader(Diagnostics& diagnostics) : m_diagnostics(diagnostics) {}

  Diagnostics& diagnostics() { return m_diagnostics; }
  void error(SourceMark mark, std::string message) {
    m_diagnostics.error(mark, std::move(message));
  }

  // "'KEY'CONTEXT must be EXPECTED, not a string". `context` is "" or " in column 'age'".
  void type_error(const YamlNode& node, std::string_view key, std::string_view context,
                  std::string_view expected);
  void unknown_key(const YamlNode& key, std::string_view context,
                   const std::vector<std::string>& known);

  std::optional<double> number(const YamlNode& node, std::string_view key,
                               std::string_view context);
  // A number in [0, 1].
  std::optional<double> fraction(const YamlNode& node, std::string_view key,
                                 std::string_view context);
  // A whole number >= 0.
  std::optional<double> count(const YamlNode& node, std::string_view key, std::string_view context);
  std::optional<std::string> string(const YamlNode& node, std::string_view key,
                                    std::string_view context);
  std::optional<bool> boolean(const YamlNode& node, std::string_view key, std::string_view context);
  // A list of non-empty strings (or, with `any_scalar`, of strings, numbers and booleans, read
  // as their text).
  std::optional<std::vector<std::string>> string_list(const YamlNode& node, std::string_view key,
                                                      std::string_view context,
                                                      bool any_scalar = false);
  // A string, or a list of them.
  std::optional<std::vector<std::string>> names(const YamlNode& node, std::string_view key,
                                                std::string_view context);
  std::optional<CheckLevel> level(const YamlNode& node, std::string_view context);
  // A check id: letters, digits and _ . : - (at most 200 characters).
  std::optional<std::string> id(const YamlNode& node, std::string_view context);

  // `min` / `max` of a bounds mapping: reads the entry into `bounds` when `key` is one of them
  // (true), with `whole` requiring whole numbers >= 0.
  bool bound_entry(const YamlNode& key, const YamlNode& value, std::string_view context,
                   Bounds& bounds, bool whole = false);
  // After a bounds mapping: at least one side, and min <= max.
  void check_bounds(const YamlNode& node, std::string_view key, std::string_view context,
                    const Bounds& bounds);

  // Remembers `check.id` and reports it when an earlier check has it.
  void claim_id(const CheckSpec& check);

 private:
  Diagnostics& m_diagnostics;
  std::map<std::string, SourceMark> m_ids;
};

// A rules-file number: YAML ints and floats (including .inf), as a double.
std::optional<double> yaml_number(const YamlNode& node);

// The check names row-level options apply to, for messages: "type, not_null, ...".
inline constexpr const char* k_row_level_kinds =
    "type, not_null, range, in_set, pattern, length and compare";

// Reads `id`, `level` and, for row-level checks, `mostly` of a check's mapping into `check`;
// true when `key` was one of them (whether or not its value was valid).
bool read_check_option(RuleReader& reader, const YamlNode& key, const YamlNode& value,
                       std::string_view context, CheckSpec& check);

// A check written as a mapping of `min`, `max` and the check's options, plus the keys `extra`
// names, handed to `on_extra(key, value)`. `whole`: the bounds are whole numbers >= 0.
template <class OnExtra>
void read_bounds_check(RuleReader& reader, const YamlNode& node, std::string_view key,
                       std::string_view context, CheckSpec& check, bool whole,
                       const std::vector<std::string>& extra, OnExtra on_extra) {
  if (!node.is_map()) {
    reader.type_error(node, key, context, "a mapping with min and/or max");
    return;
  }
  for (const auto& [k, v] : node.entries) {
    if (reader.bound_entry(k, v, context, check.bounds, whole) ||
        read_check_option(reader, k, v, context, check)) {
      continue;
    }
    bool handled = false;
    for (const std::string& name : extra) {
      if (k.text == name) {
        on_extra(k, v);
        handled = true;
      }
    }
    if (!handled) {
      std::vector<std::string> known = {"min", "max", "id", "level"};
      if (check.row_level())
        known.push_back("mostly");
      known.insert(known.end(), extra.begin(), extra.end());
      reader.unknown_key(k, context, known);
    }
  }
  reader.check_bounds(node, key, context, check.bounds);
}

// The `columns:` section: one mapping of checks per column, appended to `out`.
void parse_column_rules(const YamlNode& node, RuleReader& reader, std::vector<CheckSpec>& out);

}  // namespace mlops
