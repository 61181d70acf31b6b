// `datasets:` of a pipeline file (declared in spec/feature_store_parser.hpp).
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "spec/feature_store_parser.hpp"
#include "spec/section_reader.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_dataset_keys = {
    "spine", "event_time", "features", "exclusive", "mode", "split", "out", "compress", "needs"};
const std::vector<std::string> k_dataset_group_keys = {"group", "features", "as_of"};
const std::vector<std::string> k_modes = {"event_time", "known_time"};
const std::vector<std::string> k_compressions = {"zstd", "none"};

constexpr int64_t k_max_commit = 1LL << 53;  // exact in a JSON number

// The features of one group: "*" (all of them, left empty) or a non-empty list of names.
void parse_feature_selection(const YamlNode& value, SectionReader& reader,
                             DatasetGroupSpec& group) {
  if (value.is_scalar() && value.type == ScalarType::String && value.text == "*") {
    return;
  }
  if (!value.is_sequence() || value.items.empty()) {
    reader.type_error(value, fmt::format("features of '{}'", group.group),
                      "\"*\" (every feature) or a non-empty list of feature names");
    return;
  }
  for (const auto& item : value.items) {
    auto name = reader.list_item(item, "features");
    if (!name) {
      continue;
    }
    if (std::find(group.features.begin(), group.features.end(), name->value) !=
        group.features.end()) {
      reader.diagnostics().error(
          item.mark, fmt::format("feature '{}' of '{}'{} is listed twice", name->value, group.group,
                                 reader.context()));
      continue;
    }
    group.features.push_back(name->value);
    group.feature_marks.push_back(item.mark);
  }
}

// {group: G, features: [...] | "*", as_of: N}
void parse_long_group(const YamlNode& item, SectionReader& reader, DatasetGroupSpec& group) {
  if (const YamlNode* name = item.find("group")) {
    if (auto text = reader.string(*name, "group")) {
      group.group = text->value;
      group.mark = name->mark;
    }
  } else {
    reader.diagnostics().error(item.mark, fmt::format("a features item written as a mapping "
                                                      "with several keys needs 'group'{}",
                                                      reader.context()));
  }
  for (const auto& [key, value] : item.entries) {
    if (key.text == "features") {
      parse_feature_selection(value, reader, group);
    } else if (key.text == "as_of") {
      group.as_of = positive_integer(value, "as_of", reader, k_max_commit);
    } else if (key.text != "group") {
      reader.unknown_key(key, k_dataset_group_keys);
    }
  }
}

// One item of `features`: GROUP, {GROUP: [f1, f2] | "*"}, or {group: G, features, as_of}.
std::optional<DatasetGroupSpec> parse_dataset_group(const YamlNode& item, SectionReader& reader) {
  DatasetGroupSpec group;
  group.mark = item.mark;
  if (item.is_scalar() && item.type == ScalarType::String && !item.text.empty()) {
    group.group = item.text;
  } else if (item.is_map() && item.entries.size() == 1 && item.entries[0].first.text != "group") {
    group.group = item.entries[0].first.text;
    group.mark = item.entries[0].first.mark;
    parse_feature_selection(item.entries[0].second, reader, group);
  } else if (item.is_map() && !item.entries.empty()) {
    parse_long_group(item, reader, group);
  } else {
    reader.type_error(item, "features item",
                      "a feature group name, {GROUP: [features]} or {group: GROUP, features: "
                      "[...], as_of: COMMIT}");
    return std::nullopt;
  }
  if (group.group.empty()) {
    return std::nullopt;
  }
  return group;
}

void parse_dataset_features(const YamlNode& value, SectionReader& reader, DatasetSpec& dataset) {
  if (!value.is_sequence() || value.items.empty()) {
    reader.type_error(value, "features", "a non-empty list of feature groups");
    return;
  }
  for (const auto& item : value.items) {
    auto group = parse_dataset_group(item, reader);
    if (!group) {
      continue;
    }
    auto same =
        std::find_if(dataset.groups.begin(), dataset.groups.end(),
                     [&](const DatasetGroupSpec& other) { return other.group == group->group; });
    if (same != dataset.groups.end()) {
      reader.diagnostics().error(group->mark,
                                 fmt::format("feature group '{}' is listed twice{} "
                                             "(first at line {}); list its features "
                                             "once",
                                             group->group, reader.context(), same->mark.line));
      continue;
    }
    dataset.groups.push_back(std::move(*group));
  }
}

// split: {test: FRACTION, seed: N} or {test_from: TIME}.
void parse_split(const YamlNode& value, SectionReader& reader, DatasetSpec& dataset) {
  if (!value.is_map()) {
    reader.type_error(value, "split", "a mapping: {test: 0.2, seed: 7} or {test_from: TIME}");
    return;
  }
  for (const auto& [key, item] : value.entries) {
    if (key.text == "test") {
      auto fraction = number(item, "test", reader);
      if (fraction && (*fraction <= 0 || *fraction >= 1)) {
        reader.diagnostics().error(item.mark, fmt::format("'test'{} is the fraction of rows in the "
                                                          "test set: a number between 0 and 1 "
                                                          "(exclusive), not {}",
                                                          reader.context(), item.text));
      } else if (fraction) {
        dataset.test_fraction = fraction;
      }
    } else if (key.text == "seed") {
      if (!item.is_scalar() || item.type != ScalarType::Int || item.text.starts_with("-")) {
        reader.type_error(item, "seed", "a non-negative integer");
      } else {
        dataset.seed = std::strtoull(item.text.c_str(), nullptr, 0);
      }
    } else if (key.text == "test_from") {
      if (auto text = reader.list_item(item, "test_from")) {
        dataset.test_from = text->value;
      }
    } else {
      reader.unknown_key(key, {"test", "seed", "test_from"});
    }
  }
  const YamlNode* test = value.find("test");
  const YamlNode* test_from = value.find("test_from");
  if (test && test_from) {
    reader.diagnostics().error(value.mark, fmt::format("'split'{} has both 'test' (a random "
                                                       "fraction) and 'test_from' (a time); keep "
                                                       "one",
                                                       reader.context()));
  } else if (!test && !test_from) {
    reader.diagnostics().error(value.mark, fmt::format("'split'{} needs 'test' (a fraction) or "
                                                       "'test_from' (a time)",
                                                       reader.context()));
  } else if (test_from && value.find("seed")) {
    reader.diagnostics().error(
        value.find("seed")->mark,
        fmt::format("'seed'{} goes with 'test', not 'test_from'", reader.context()));
  }
}

// mode and compress: one word of a short list.
std::optional<std::string> choice(const YamlNode& value, std::string_view key,
                                  const std::vector<std::string>& words, SectionReader& reader) {
  auto text = reader.string(value, key);
  if (text && std::find(words.begin(), words.end(), text->value) == words.end()) {
    reader.diagnostics().error(
        value.mark,
        fmt::format("'{}'{} must be {}, not '{}'{}", key, reader.context(), join(words, " or "),
                    text->value, did_you_mean(text->value, words)));
    return std::nullopt;
  }
  return text ? std::optional(text->value) : std::nullopt;
}

void parse_dataset_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                         DatasetSpec& dataset) {
  const std::string& k = key.text;
  if (k == "spine" || k == "out") {
    auto path = reader.list_item(value, k);
    if (path && path->value.find("${") != std::string::npos) {
      reader.diagnostics().error(value.mark, fmt::format("'{}'{} may not use ${{...}}: `mlops "
                                                         "dataset create` reads the path as "
                                                         "written",
                                                         k, reader.context()));
    } else if (path) {
      (k == "spine" ? dataset.spine : dataset.out) = path->value;
      (k == "spine" ? dataset.spine_mark : dataset.out_mark) = value.mark;
    }
  } else if (k == "event_time") {
    if (auto text = reader.list_item(value, k)) {
      dataset.event_time = text->value;
    }
  } else if (k == "features") {
    parse_dataset_features(value, reader, dataset);
  } else if (k == "exclusive") {
    if (auto exclusive = boolean(value, k, reader)) {
      dataset.exclusive = *exclusive;
    }
  } else if (k == "mode") {
    if (auto mode = choice(value, k, k_modes, reader)) {
      dataset.mode = *mode == "known_time" ? PitMode::KnownTime : PitMode::EventTime;
    }
  } else if (k == "split") {
    parse_split(value, reader, dataset);
  } else if (k == "compress") {
    if (auto compress = choice(value, k, k_compressions, reader)) {
      dataset.compress = *compress == "zstd";
    }
  } else if (k == "needs") {
    for (auto& need : reader.string_list(value, k)) {
      dataset.needs.push_back(std::move(need.value));
      dataset.needs_marks.push_back(need.mark);
    }
  } else {
    reader.unknown_key(key, k_dataset_keys);
  }
}

DatasetSpec parse_dataset(const YamlNode& name, const YamlNode& body, Diagnostics& diagnostics) {
  DatasetSpec dataset;
  dataset.name = name.text;
  dataset.mark = name.mark;
  dataset.event_time = "ts";
  if (!is_valid_feature_group_name(name.text)) {
    diagnostics.error(name.mark, fmt::format("'{}' is not a valid dataset name (use lowercase "
                                             "letters, digits, _ and -, starting with a letter "
                                             "or digit, at most 64 characters)",
                                             name.text));
  }
  if (!body.is_map()) {
    diagnostics.error(body.is_null() ? name.mark : body.mark,
                      fmt::format("dataset '{}' must be a mapping with 'spine', 'features' and "
                                  "'out', not {}",
                                  name.text, body.describe()));
    return dataset;
  }
  SectionReader reader(diagnostics, fmt::format(" in dataset '{}'", name.text));
  for (const auto& [key, value] : body.entries) {
    parse_dataset_entry(key, value, reader, dataset);
  }
  for (const char* key : {"spine", "features", "out"}) {
    if (!body.find(key)) {
      diagnostics.error(name.mark, fmt::format("dataset '{}' needs '{}'", name.text, key));
    }
  }
  return dataset;
}

}  // namespace

std::vector<DatasetSpec> parse_datasets(const YamlNode& node, Diagnostics& diagnostics) {
  std::vector<DatasetSpec> datasets;
  if (!node.is_map()) {
    SectionReader(diagnostics, "")
        .type_error(node, "datasets", "a mapping of dataset names to datasets");
    return datasets;
  }
  for (const auto& [name, body] : node.entries) {
    datasets.push_back(parse_dataset(name, body, diagnostics));
  }
  return datasets;
}

}  // namespace mlops
