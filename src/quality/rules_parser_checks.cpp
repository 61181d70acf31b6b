// The `columns:` section of a rules file: for each column a mapping of checks, each written
// short (`range: [0, 120]`, `pattern: email`) or as a mapping with its own id, level and mostly
// (`range: {min: 0, max: 120, mostly: 0.99}`, `pattern: {value: email, level: warning}`).
#include <fmt/format.h>

#include "quality/pattern.hpp"
#include "quality/rule_reader.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_column_keys = {
    "type", "not_null", "unique", "completeness", "range",    "in_set",   "pattern", "length",
    "min",  "max",      "mean",   "stddev",       "quantile", "distinct", "mostly",  "level"};

struct ColumnDefaults {
  CheckLevel level = CheckLevel::Error;
  double mostly = 1.0;
};

// A check written as VALUE or as {value: VALUE, id, level[, mostly]}: the node holding the value,
// or nullptr when the mapping has none.
const YamlNode* check_value(const YamlNode& node, std::string_view key, std::string_view context,
                            RuleReader& reader, CheckSpec& check) {
  if (!node.is_map())
    return &node;
  const YamlNode* value = nullptr;
  for (const auto& [k, v] : node.entries) {
    if (k.text == "value") {
      value = &v;
    } else if (!read_check_option(reader, k, v, context, check)) {
      std::vector<std::string> known = {"value", "id", "level"};
      if (check.row_level())
        known.push_back("mostly");
      reader.unknown_key(k, context, known);
    }
  }
  if (!value) {
    reader.error(node.mark, fmt::format("'{}'{} written as a mapping needs 'value'", key, context));
  }
  return value;
}

void no_extra(const YamlNode&, const YamlNode&) {}

// [min, max], either of them null for an open side.
void read_pair(const YamlNode& node, std::string_view key, std::string_view context,
               RuleReader& reader, CheckSpec& check, bool whole) {
  if (node.items.size() != 2) {
    reader.error(node.mark, fmt::format("'{}'{} must be [min, max], not a list of {}", key, context,
                                        node.items.size()));
    return;
  }
  std::optional<double>* sides[] = {&check.bounds.min, &check.bounds.max};
  for (size_t i = 0; i < 2; ++i) {
    const YamlNode& item = node.items[i];
    if (item.is_null())
      continue;
    *sides[i] = whole ? reader.count(item, key, context) : reader.number(item, key, context);
  }
  if (node.items[0].is_null() && node.items[1].is_null()) {
    reader.error(node.mark, fmt::format("'{}'{} needs at least one bound", key, context));
  } else if (check.bounds.min && check.bounds.max && *check.bounds.min > *check.bounds.max) {
    reader.error(node.mark, fmt::format("'{}'{}: min {:g} is above max {:g}", key, context,
                                        *check.bounds.min, *check.bounds.max));
  }
}

// range, length, min, max: the short forms, else the bounds mapping.
void parse_bounds_value(const YamlNode& node, std::string_view key, std::string_view context,
                        RuleReader& reader, CheckSpec& check) {
  bool whole = check.kind == CheckKind::Length || check.kind == CheckKind::Distinct;
  if (node.is_sequence() && (check.kind == CheckKind::Range || check.kind == CheckKind::Length)) {
    read_pair(node, key, context, reader, check, whole);
  } else if (node.is_scalar() && check.kind != CheckKind::Range && check.kind != CheckKind::Mean &&
             check.kind != CheckKind::Stddev && check.kind != CheckKind::Distinct) {
    std::optional<double> value =
        whole ? reader.count(node, key, context) : reader.number(node, key, context);
    if (check.kind != CheckKind::Max)
      check.bounds.min = value;  // min: the least allowed minimum
    if (check.kind != CheckKind::Min)
      check.bounds.max = value;  // length: N is exactly N
  } else {
    read_bounds_check(reader, node, key, context, check, whole, {}, no_extra);
  }
}

void parse_quantile(const YamlNode& node, std::string_view context, RuleReader& reader,
                    CheckSpec& check) {
  read_bounds_check(reader, node, "quantile", context, check, false, {"q"},
                    [&](const YamlNode& key, const YamlNode& value) {
                      if (auto q = reader.fraction(value, key.text, context))
                        check.quantile = *q;
                    });
  if (node.is_map() && !node.find("q")) {
    reader.error(node.mark, fmt::format("'quantile'{} needs 'q' (0.5 for the median)", context));
  }
}

void parse_type(const YamlNode& node, std::string_view context, RuleReader& reader,
                CheckSpec& check) {
  auto text = reader.string(node, "type", context);
  if (!text)
    return;
  if (auto type = parse_expected_type(*text)) {
    check.type = *type;
    return;
  }
  std::vector<std::string> names = {"int",  "float",    "numeric", "bool",
                                    "date", "datetime", "string"};
  reader.error(node.mark, fmt::format("'type'{} must be one of {}, not '{}'{}", context,
                                      join(names, ", "), *text, did_you_mean(*text, names)));
}

void parse_pattern(const YamlNode& node, std::string_view context, RuleReader& reader,
                   CheckSpec& check) {
  auto text = reader.string(node, "pattern", context);
  if (!text)
    return;
  if (text->empty()) {
    reader.error(node.mark, fmt::format("'pattern'{} is empty; name a built-in ({}) or write an "
                                        "RE2 regex",
                                        context, join(builtin_pattern_names(), ", ")));
    return;
  }
  Result<ValuePattern> pattern = ValuePattern::compile(*text);
  if (!pattern.ok()) {
    reader.error(node.mark, fmt::format("'pattern'{} is {}", context, pattern.error().message()));
    return;
  }
  check.pattern = *text;
}

void parse_in_set(const YamlNode& node, std::string_view context, RuleReader& reader,
                  CheckSpec& check) {
  const YamlNode* list = &node;
  if (node.is_map()) {
    list = nullptr;
    for (const auto& [k, v] : node.entries) {
      if (k.text == "values") {
        list = &v;
      } else if (!read_check_option(reader, k, v, context, check)) {
        reader.unknown_key(k, context, {"values", "mostly", "id", "level"});
      }
    }
    if (!list) {
      reader.error(node.mark,
                   fmt::format("'in_set'{} written as a mapping needs 'values'", context));
      return;
    }
  }
  auto values = reader.string_list(*list, "in_set", context, true);
  if (values && values->empty()) {
    reader.error(list->mark, fmt::format("'in_set'{} is empty: no value could pass", context));
  } else if (values) {
    check.values = *values;
  }
}

// Whether a boolean check (not_null, unique) is on; `false` writes no check.
bool flag_on(const YamlNode& node, std::string_view key, std::string_view context,
             RuleReader& reader, CheckSpec& check) {
  const YamlNode* value = check_value(node, key, context, reader, check);
  if (!value)
    return false;
  return reader.boolean(*value, key, context).value_or(false);
}

// Parses one check of a column; false when it writes no check (`not_null: false`) or failed.
bool parse_column_check(const YamlNode& key, const YamlNode& value, std::string_view context,
                        RuleReader& reader, CheckSpec& check) {
  const std::string& k = key.text;
  if (k == "type" || k == "pattern" || k == "completeness") {
    check.kind = k == "type"      ? CheckKind::Type
                 : k == "pattern" ? CheckKind::Pattern
                                  : CheckKind::Completeness;
    const YamlNode* inner = check_value(value, k, context, reader, check);
    if (!inner)
      return false;
    if (check.kind == CheckKind::Type)
      parse_type(*inner, context, reader, check);
    if (check.kind == CheckKind::Pattern)
      parse_pattern(*inner, context, reader, check);
    if (check.kind == CheckKind::Completeness) {
      check.bounds.min = reader.fraction(*inner, k, context);
    }
    return true;
  }
  if (k == "not_null" || k == "unique") {
    check.kind = k == "not_null" ? CheckKind::NotNull : CheckKind::Unique;
    return flag_on(value, k, context, reader, check);
  }
  if (k == "in_set") {
    check.kind = CheckKind::InSet;
    parse_in_set(value, context, reader, check);
    return true;
  }
  static const std::pair<const char*, CheckKind> k_bounded[] = {
      {"range", CheckKind::Range},      {"length", CheckKind::Length},
      {"min", CheckKind::Min},          {"max", CheckKind::Max},
      {"mean", CheckKind::Mean},        {"stddev", CheckKind::Stddev},
      {"distinct", CheckKind::Distinct}};
  for (const auto& [name, kind] : k_bounded) {
    if (k == name) {
      check.kind = kind;
      parse_bounds_value(value, k, context, reader, check);
      return true;
    }
  }
  reader.unknown_key(key, context, k_column_keys);
  return false;
}

ColumnDefaults column_defaults(const YamlNode& body, std::string_view context, RuleReader& reader) {
  ColumnDefaults defaults;
  if (const YamlNode* level = body.find("level")) {
    defaults.level = reader.level(*level, context).value_or(CheckLevel::Error);
  }
  if (const YamlNode* mostly = body.find("mostly")) {
    defaults.mostly = reader.fraction(*mostly, "mostly", context).value_or(1.0);
  }
  return defaults;
}

CheckSpec new_column_check(const std::string& column, const YamlNode& key,
                           const ColumnDefaults& defaults) {
  CheckSpec check;
  check.columns = {column};
  check.level = defaults.level;
  check.mostly = defaults.mostly;
  check.mark = key.mark;
  return check;
}

void add_check(CheckSpec check, std::string default_id, RuleReader& reader,
               std::vector<CheckSpec>& out) {
  if (!check.row_level())
    check.mostly = 1.0;  // a column-wide `mostly` is for row-level checks
  if (check.id.empty())
    check.id = std::move(default_id);
  reader.claim_id(check);
  out.push_back(std::move(check));
}

// quantile: one mapping, or a list of them (ids columns.C.quantile.0, .1, ...).
void parse_quantiles(const std::string& column, const YamlNode& key, const YamlNode& value,
                     const ColumnDefaults& defaults, std::string_view context, RuleReader& reader,
                     std::vector<CheckSpec>& out) {
  std::string id = fmt::format("columns.{}.quantile", column);
  if (!value.is_sequence()) {
    CheckSpec check = new_column_check(column, key, defaults);
    check.kind = CheckKind::Quantile;
    parse_quantile(value, context, reader, check);
    add_check(std::move(check), id, reader, out);
    return;
  }
  for (size_t i = 0; i < value.items.size(); ++i) {
    CheckSpec check = new_column_check(column, key, defaults);
    check.kind = CheckKind::Quantile;
    check.mark = value.items[i].mark;
    parse_quantile(value.items[i], context, reader, check);
    add_check(std::move(check), fmt::format("{}.{}", id, i), reader, out);
  }
}

void parse_column(const YamlNode& name, const YamlNode& body, RuleReader& reader,
                  std::vector<CheckSpec>& out) {
  std::string context = fmt::format(" in column '{}'", name.text);
  if (!body.is_map()) {
    reader.error(body.mark, fmt::format("column '{}' must be a mapping of checks such as "
                                        "{{not_null: true}}, not {}",
                                        name.text, body.describe()));
    return;
  }
  ColumnDefaults defaults = column_defaults(body, context, reader);
  for (const auto& [key, value] : body.entries) {
    if (key.text == "level" || key.text == "mostly")
      continue;
    if (key.text == "quantile") {
      parse_quantiles(name.text, key, value, defaults, context, reader, out);
      continue;
    }
    CheckSpec check = new_column_check(name.text, key, defaults);
    if (!parse_column_check(key, value, context, reader, check))
      continue;
    add_check(std::move(check), fmt::format("columns.{}.{}", name.text, key.text), reader, out);
  }
}

}  // namespace

void parse_column_rules(const YamlNode& node, RuleReader& reader, std::vector<CheckSpec>& out) {
  if (!node.is_map()) {
    reader.type_error(node, "columns", "", "a mapping of column names to checks");
    return;
  }
  for (const auto& [name, body] : node.entries) {
    if (name.text.empty()) {
      reader.error(name.mark, "a column name may not be empty");
      continue;
    }
    parse_column(name, body, reader, out);
  }
}

}  // namespace mlops
