#include "spec/feature_store_parser.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "spec/section_reader.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_group_keys = {"version",  "primary_key", "event_time",
                                               "features", "online",      "ttl",
                                               "delay",    "description", "validation"};
const std::vector<std::string> k_feature_keys = {"type", "nullable", "description"};
const std::vector<std::string> k_type_names = {"int", "float", "string", "bool"};
const std::vector<std::string> k_policies = {"strict", "always"};

constexpr int64_t k_ms_per_day = 24LL * 60 * 60 * 1000;
constexpr int64_t k_max_days = 100000;  // ~270 years: a ttl, not an overflow

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// parse_duration's syntax, plus a leading day group ("30d", "1d12h"): a ttl is often weeks.
std::optional<Milliseconds> parse_long_duration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits >= text.size() || text[digits] != 'd') {
    return parse_duration(text);
  }
  int64_t days = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + digits, days);
  if (error != std::errc() || days > k_max_days) {
    return std::nullopt;
  }
  Milliseconds total{days * k_ms_per_day};
  std::string_view rest = text.substr(digits + 1);
  if (rest.empty()) {
    return total;
  }
  auto more = parse_duration(rest);
  return more ? std::optional(total + *more) : std::nullopt;
}

std::optional<Milliseconds> long_duration(const YamlNode& value, std::string_view key,
                                          SectionReader& reader) {
  if (value.is_scalar() && (value.type == ScalarType::Int || value.type == ScalarType::Float)) {
    reader.diagnostics().error(
        value.mark, fmt::format("'{}'{} needs a unit: write {}d, {}h or "
                                "{}s (units: ms, s, m, h, d)",
                                key, reader.context(), value.text, value.text, value.text));
    return std::nullopt;
  }
  auto text = reader.string(value, key);
  if (!text) {
    return std::nullopt;
  }
  auto parsed = parse_long_duration(text->value);
  if (!parsed) {
    reader.diagnostics().error(value.mark, fmt::format("'{}'{} is not a duration: '{}' (write a "
                                                       "number and a unit, such as 30d, 12h, "
                                                       "10m or 0s; units: ms, s, m, h, d)",
                                                       key, reader.context(), text->value));
  }
  return parsed;
}

// A type name: one of int, float, string, bool (and for keys, int or string only).
std::optional<FeatureType> column_type(const YamlNode& value, const std::string& what,
                                       SectionReader& reader) {
  if (!value.is_scalar() || value.type != ScalarType::String) {
    reader.diagnostics().error(
        value.mark, fmt::format("the type of {}{} must be one of {}, not {}", what,
                                reader.context(), join(k_type_names, ", "), value.describe()));
    return std::nullopt;
  }
  auto type = feature_type_from_name(value.text);
  if (!type) {
    reader.diagnostics().error(
        value.mark, fmt::format("unknown type '{}' of {}{}{}; use one of {}", value.text, what,
                                reader.context(), did_you_mean(value.text, k_type_names),
                                join(k_type_names, ", ")));
  }
  return type;
}

bool check_column_name(const YamlNode& key, SectionReader& reader) {
  if (is_valid_column_name(key.text)) {
    return true;
  }
  reader.diagnostics().error(key.mark, fmt::format("'{}'{} is not a valid column name (use "
                                                   "letters, digits and _, not starting with a "
                                                   "digit or _, at most 64 characters; rowid and "
                                                   "oid are reserved)",
                                                   key.text, reader.context()));
  return false;
}

// primary_key: {customer_id: int, region: string}, in that order.
void parse_primary_key(const YamlNode& value, SectionReader& reader, FeatureGroupSpec& group) {
  if (!value.is_map() || value.entries.empty()) {
    reader.type_error(value, "primary_key",
                      "a mapping of key column names to int or string (primary_key: "
                      "{customer_id: int})");
    return;
  }
  for (const auto& [key, type_node] : value.entries) {
    if (!check_column_name(key, reader)) {
      continue;
    }
    auto type = column_type(type_node, fmt::format("key column '{}'", key.text), reader);
    if (type && *type != FeatureType::Int && *type != FeatureType::String) {
      reader.diagnostics().error(type_node.mark,
                                 fmt::format("key column '{}'{} must be int or "
                                             "string, not {}",
                                             key.text, reader.context(), type_node.text));
      continue;
    }
    if (type) {
      group.primary_key.push_back({key.text, *type, false, "", key.mark});
    }
  }
}

// One feature: `name: TYPE` or `name: {type: TYPE, nullable: BOOL, description: TEXT}`.
void parse_feature(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                   FeatureGroupSpec& group) {
  if (!check_column_name(key, reader)) {
    return;
  }
  std::string what = fmt::format("feature '{}'", key.text);
  FeatureColumnSpec column{key.text, FeatureType::Float, true, "", key.mark};
  // A feature with a bad type is kept (as float), so that what names it reports nothing more.
  if (!value.is_map()) {
    column.type = column_type(value, what, reader).value_or(FeatureType::Float);
    group.features.push_back(std::move(column));
    return;
  }
  const YamlNode* type_node = value.find("type");
  std::optional<FeatureType> type;
  if (!type_node) {
    reader.diagnostics().error(value.mark, fmt::format("{}{} needs 'type' (one of {})", what,
                                                       reader.context(), join(k_type_names, ", ")));
  } else {
    type = column_type(*type_node, what, reader);
  }
  for (const auto& [k, v] : value.entries) {
    if (k.text == "nullable") {
      if (auto nullable = boolean(v, "nullable", reader)) {
        column.nullable = *nullable;
      }
    } else if (k.text == "description") {
      if (auto text = reader.string(v, "description")) {
        column.description = text->value;
      }
    } else if (k.text != "type") {
      reader.unknown_key(k, k_feature_keys);
    }
  }
  column.type = type.value_or(FeatureType::Float);
  group.features.push_back(std::move(column));
}

// validation: {rules: FILE, policy: strict|always}
void parse_validation(const YamlNode& value, SectionReader& reader, FeatureGroupSpec& group) {
  if (!value.is_map()) {
    reader.type_error(value, "validation", "a mapping with 'rules' and optionally 'policy'");
    return;
  }
  for (const auto& [key, item] : value.entries) {
    if (key.text == "rules") {
      if (auto text = reader.list_item(item, "rules")) {
        group.rules = text->value;
      }
    } else if (key.text == "policy") {
      auto text = reader.string(item, "policy");
      if (text &&
          std::find(k_policies.begin(), k_policies.end(), text->value) == k_policies.end()) {
        reader.diagnostics().error(item.mark, fmt::format("'policy'{} must be strict or always, "
                                                          "not '{}'{}",
                                                          reader.context(), text->value,
                                                          did_you_mean(text->value, k_policies)));
      } else if (text) {
        group.validation_policy = text->value;
      }
    } else {
      reader.unknown_key(key, {"rules", "policy"});
    }
  }
  if (!value.find("rules")) {
    reader.diagnostics().error(value.mark, fmt::format("'validation'{} needs 'rules' (a data "
                                                       "quality rules file)",
                                                       reader.context()));
  }
}

void parse_group_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                       FeatureGroupSpec& group) {
  const std::string& k = key.text;
  if (k == "version") {
    if (auto version = positive_integer(value, k, reader, 1000000)) {
      group.version = static_cast<int>(*version);
    }
  } else if (k == "primary_key") {
    parse_primary_key(value, reader, group);
  } else if (k == "event_time") {
    auto text = reader.string(value, k);
    if (text && !is_valid_column_name(text->value)) {
      reader.diagnostics().error(value.mark, fmt::format("'{}'{} is not a valid column name (use "
                                                         "letters, digits and _, not starting "
                                                         "with a digit or _, at most 64 "
                                                         "characters; rowid and oid are "
                                                         "reserved)",
                                                         text->value, reader.context()));
    } else if (text) {
      group.event_time = text->value;
    }
  } else if (k == "features") {
    if (!value.is_map() || value.entries.empty()) {
      reader.type_error(value, k, "a non-empty mapping of feature names to types");
      return;
    }
    for (const auto& [name, body] : value.entries) {
      parse_feature(name, body, reader, group);
    }
  } else if (k == "online") {
    if (auto online = boolean(value, k, reader)) {
      group.online = *online;
    }
  } else if (k == "ttl") {
    group.ttl = long_duration(value, k, reader);
    if (group.ttl && group.ttl->count() == 0) {
      reader.diagnostics().error(value.mark, fmt::format("'ttl'{} must be longer than 0 (leave it "
                                                         "out for no limit)",
                                                         reader.context()));
    }
  } else if (k == "delay") {
    if (auto delay = long_duration(value, k, reader)) {
      group.delay = *delay;
    }
  } else if (k == "description") {
    if (auto text = reader.string(value, k)) {
      group.description = text->value;
    }
  } else if (k == "validation") {
    parse_validation(value, reader, group);
  } else {
    reader.unknown_key(key, k_group_keys);
  }
}

// Column names are unique without regard to case; a feature may not reuse a key's or the
// event time's name; the columns together stay under the store's limit.
void check_group_columns(const FeatureGroupSpec& group, SectionReader& reader) {
  struct Owner {
    std::string role;
    std::string name;
  };
  std::map<std::string, Owner> seen;  // lower-case name -> the column that has it
  auto claim = [&](const std::string& name, const char* role, SourceMark mark) {
    auto [it, inserted] = seen.emplace(lower(name), Owner{role, name});
    if (!inserted) {
      reader.diagnostics().error(
          mark, fmt::format("{} '{}'{} has the name of the {} '{}'; "
                            "column names must differ (case is ignored)",
                            role, name, reader.context(), it->second.role, it->second.name));
    }
  };
  for (const auto& key : group.primary_key) {
    claim(key.name, "key column", key.mark);
  }
  if (!group.event_time.empty()) {
    claim(group.event_time, "event time column", group.mark);
  }
  for (const auto& feature : group.features) {
    claim(feature.name, "feature", feature.mark);
  }
  size_t columns = group.primary_key.size() + 1 + group.features.size();
  if (columns > k_max_feature_group_columns) {
    reader.diagnostics().error(group.mark,
                               fmt::format("feature group '{}' has {} columns; at "
                                           "most {} are allowed (split it into "
                                           "several groups)",
                                           group.name, columns, k_max_feature_group_columns));
  }
}

FeatureGroupSpec parse_group(const YamlNode& name, const YamlNode& body, Diagnostics& diagnostics) {
  FeatureGroupSpec group;
  group.name = name.text;
  group.mark = name.mark;
  if (!is_valid_feature_group_name(name.text)) {
    diagnostics.error(name.mark, fmt::format("'{}' is not a valid feature group name (use "
                                             "lowercase letters, digits, _ and -, starting with "
                                             "a letter or digit, at most 64 characters)",
                                             name.text));
  }
  SectionReader reader(diagnostics, fmt::format(" in feature group '{}'", name.text));
  if (!body.is_map()) {
    diagnostics.error(body.is_null() ? name.mark : body.mark,
                      fmt::format("feature group '{}' must be a mapping with 'primary_key', "
                                  "'event_time' and 'features', not {}",
                                  name.text, body.describe()));
    return group;
  }
  for (const auto& [key, value] : body.entries) {
    parse_group_entry(key, value, reader, group);
  }
  for (const char* key : {"primary_key", "event_time", "features"}) {
    if (!body.find(key)) {
      diagnostics.error(name.mark, fmt::format("feature group '{}' needs '{}'", name.text, key));
    }
  }
  check_group_columns(group, reader);
  return group;
}

bool is_name_char(char c) {
  return std::islower(static_cast<unsigned char>(c)) ||
         std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

}  // namespace

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
  for (FeatureType type :
       {FeatureType::Int, FeatureType::Float, FeatureType::String, FeatureType::Bool}) {
    if (name == feature_type_name(type)) {
      return type;
    }
  }
  return std::nullopt;
}

bool is_valid_feature_group_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '_' || name[0] == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), is_name_char);
}

bool is_valid_column_name(std::string_view name) {
  // The store's own columns start with _, and SQLite reads rowid, oid and _rowid_ as the row id.
  std::string lower;
  for (char c : name) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name.size() <= 64 && is_valid_identifier(name) && !name.starts_with("_") &&
         lower != "rowid" && lower != "oid";
}

void parse_feature_groups_key(const YamlNode& value, Diagnostics& diagnostics, PipelineSpec& spec) {
  if (value.is_scalar() && value.type == ScalarType::String) {
    if (value.text.empty() || value.text[0] == '/') {
      diagnostics.error(value.mark, fmt::format("'feature_groups' names a file relative to the "
                                                "pipeline file's directory, not '{}'",
                                                value.text));
      return;
    }
    spec.feature_groups_file = LocatedString{value.text, value.mark};
    return;
  }
  parse_feature_groups(value, diagnostics, spec.feature_groups);
}

void parse_feature_groups(const YamlNode& node, Diagnostics& diagnostics,
                          std::vector<FeatureGroupSpec>& out) {
  if (!node.is_map()) {
    SectionReader(diagnostics, "")
        .type_error(node, "feature_groups",
                    "a mapping of group names to groups, or the path of a file that holds them");
    return;
  }
  for (const auto& [name, body] : node.entries) {
    if (const FeatureGroupSpec* other = find_feature_group(out, name.text)) {
      diagnostics.error(name.mark, fmt::format("feature group '{}' is declared twice (first at "
                                               "line {})",
                                               name.text, other->mark.line));
      continue;
    }
    out.push_back(parse_group(name, body, diagnostics));
  }
}

void parse_feature_groups_file(const YamlNode& root, Diagnostics& diagnostics,
                               std::vector<FeatureGroupSpec>& out) {
  if (!root.is_map()) {
    diagnostics.error(root.mark, fmt::format("a feature groups file must be a mapping with "
                                             "'feature_groups', not {}",
                                             root.describe()));
    return;
  }
  SectionReader reader(diagnostics, "");
  for (const auto& [key, value] : root.entries) {
    if (key.text != "feature_groups") {
      reader.unknown_key(key, {"feature_groups"});
    } else if (!value.is_map()) {
      reader.type_error(value, "feature_groups",
                        "a mapping of group names to groups (an included file includes no "
                        "other)");
    } else {
      parse_feature_groups(value, diagnostics, out);
    }
  }
  if (!root.find("feature_groups")) {
    diagnostics.error(root.mark,
                      "missing required key 'feature_groups' (a mapping of group "
                      "names to groups)");
  }
}

const FeatureGroupSpec* find_feature_group(const std::vector<FeatureGroupSpec>& groups,
                                           std::string_view name) {
  auto it = std::find_if(groups.begin(), groups.end(),
                         [&](const FeatureGroupSpec& group) { return group.name == name; });
  return it == groups.end() ? nullptr : &*it;
}

const DatasetSpec* find_dataset(const std::vector<DatasetSpec>& datasets, std::string_view name) {
  auto it = std::find_if(datasets.begin(), datasets.end(),
                         [&](const DatasetSpec& dataset) { return dataset.name == name; });
  return it == datasets.end() ? nullptr : &*it;
}

std::string feature_group_head_path(const std::string& group, int version) {
  return fmt::format(".mlops/fs/{}/v{}.head", group, version);
}

}  // namespace mlops
