#include "quality/rules_parser.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "quality/rule_reader.hpp"
#include "spec/yaml_limits.hpp"
#include "util/file_io.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_top_keys = {"version", "input", "dataset", "columns", "relations"};
const std::vector<std::string> k_input_keys = {"format", "delimiter", "header", "null_values"};
const std::vector<std::string> k_dataset_kinds = {"rows", "columns", "unique", "malformed_rows",
                                                  "history"};
const std::vector<std::string> k_relation_kinds = {"compare", "correlation"};

bool contains(const std::vector<std::string>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

CheckSpec new_check(CheckKind kind, SourceMark mark) {
  CheckSpec check;
  check.kind = kind;
  check.mark = mark;
  return check;
}

// ---- input ------------------------------------------------------------------------------------

void parse_input_entry(const YamlNode& key, const YamlNode& value, RuleReader& reader,
                       InputSpec& input) {
  const char* context = " in 'input'";
  if (key.text == "format") {
    auto format = reader.string(value, "format", context);
    if (format && *format != "auto" && *format != "csv" && *format != "jsonl") {
      reader.error(value.mark,
                   fmt::format("'format' in 'input' must be auto, csv or jsonl, not "
                               "'{}'{}",
                               *format, did_you_mean(*format, {"auto", "csv", "jsonl"})));
    } else if (format) {
      input.format = *format;
    }
  } else if (key.text == "delimiter") {
    auto delimiter = reader.string(value, "delimiter", context);
    if (delimiter && (*delimiter == "tab" || *delimiter == "\t")) {
      input.delimiter = '\t';
    } else if (delimiter && delimiter->size() == 1 && *delimiter != "\n" && *delimiter != "\"") {
      input.delimiter = (*delimiter)[0];
    } else if (delimiter) {
      reader.error(value.mark, fmt::format("'delimiter' in 'input' must be one character or "
                                           "tab, not '{}'",
                                           *delimiter));
    }
  } else if (key.text == "header") {
    input.header = reader.boolean(value, "header", context);
  } else if (key.text == "null_values") {
    if (auto list = reader.string_list(value, "null_values", context, true)) {
      input.null_values = *list;
    }
  } else {
    reader.unknown_key(key, context, k_input_keys);
  }
}

void parse_input(const YamlNode& node, RuleReader& reader, InputSpec& input) {
  if (!node.is_map()) {
    reader.type_error(node, "input", "", "a mapping (format, delimiter, header, null_values)");
    return;
  }
  for (const auto& [key, value] : node.entries)
    parse_input_entry(key, value, reader, input);
}

// ---- dataset checks ---------------------------------------------------------------------------

void parse_columns_check(const YamlNode& node, std::string_view context, RuleReader& reader,
                         CheckSpec& check) {
  if (!node.is_map()) {
    reader.type_error(node, "columns", context, "a mapping with required, exact or forbidden");
    return;
  }
  for (const auto& [key, value] : node.entries) {
    // Named captures: clang before 16 cannot capture structured bindings (the sanitized build).
    auto list = [&reader, &value = value, &key = key, context] {
      return reader.string_list(value, key.text, context).value_or(std::vector<std::string>{});
    };
    if (key.text == "required") {
      check.required = list();
    } else if (key.text == "exact") {
      check.exact = list();
    } else if (key.text == "forbidden") {
      check.forbidden = list();
    } else if (!read_check_option(reader, key, value, context, check)) {
      reader.unknown_key(key, context, {"required", "exact", "forbidden", "id", "level"});
    }
  }
  if (!node.find("required") && !node.find("exact") && !node.find("forbidden")) {
    reader.error(node.mark,
                 fmt::format("'columns'{} needs 'required', 'exact' or 'forbidden'", context));
  }
}

void parse_unique_check(const YamlNode& node, std::string_view context, RuleReader& reader,
                        CheckSpec& check) {
  if (!node.is_map()) {
    check.columns = reader.names(node, "unique", context).value_or(std::vector<std::string>{});
    return;
  }
  for (const auto& [key, value] : node.entries) {
    if (key.text == "columns") {
      check.columns = reader.names(value, "columns", context).value_or(std::vector<std::string>{});
    } else if (!read_check_option(reader, key, value, context, check)) {
      reader.unknown_key(key, context, {"columns", "id", "level"});
    }
  }
  if (!node.find("columns")) {
    reader.error(node.mark, fmt::format("'unique'{} needs 'columns'", context));
  }
}

std::string metric_hint() {
  return fmt::format(
      "rows, columns, malformed_rows, duplicate_rows, or columns.NAME.STAT with "
      "STAT one of {}",
      join(column_metric_names(), ", "));
}

void parse_history_entry(const YamlNode& key, const YamlNode& value, std::string_view context,
                         RuleReader& reader, CheckSpec& check) {
  HistoryRule& h = check.history;
  auto non_negative = [&](std::optional<double>& into) {
    into = reader.number(value, key.text, context);
    if (into && *into < 0) {
      reader.error(value.mark, fmt::format("'{}'{} may not be negative", key.text, context));
    }
  };
  if (key.text == "metric") {
    auto metric = reader.string(value, "metric", context);
    if (metric && !is_known_metric(*metric)) {
      reader.error(value.mark,
                   fmt::format("unknown metric '{}'{}{}; use {}", *metric, context,
                               did_you_mean(*metric, {"rows", "columns", "malformed_rows",
                                                      "duplicate_rows"}),
                               metric_hint()));
    } else if (metric) {
      h.metric = *metric;
    }
  } else if (key.text == "max_increase") {
    non_negative(h.max_increase);
  } else if (key.text == "max_decrease") {
    non_negative(h.max_decrease);
  } else if (key.text == "sigmas") {
    non_negative(h.sigmas);
  } else if (key.text == "window") {
    auto window = reader.count(value, "window", context);
    if (window && *window < 2) {
      reader.error(value.mark, fmt::format("'window'{} must be at least 2", context));
    } else if (window) {
      h.window = static_cast<uint32_t>(std::min(*window, 100000.0));
    }
  } else if (!read_check_option(reader, key, value, context, check)) {
    reader.unknown_key(
        key, context,
        {"metric", "max_increase", "max_decrease", "sigmas", "window", "id", "level"});
  }
}

void parse_history_check(const YamlNode& node, std::string_view context, RuleReader& reader,
                         CheckSpec& check) {
  if (!node.is_map()) {
    reader.type_error(node, "history", context, "a mapping with metric and bounds");
    return;
  }
  for (const auto& [key, value] : node.entries) {
    parse_history_entry(key, value, context, reader, check);
  }
  bool change = node.find("max_increase") || node.find("max_decrease");
  bool sigmas = node.find("sigmas") != nullptr;
  if (!node.find("metric")) {
    reader.error(node.mark, fmt::format("'history'{} needs 'metric' ({})", context, metric_hint()));
  }
  if (change && sigmas) {
    reader.error(node.mark, fmt::format("'history'{} mixes 'sigmas' with 'max_increase'/"
                                        "'max_decrease': they are two checks, write two items",
                                        context));
  } else if (!change && !sigmas) {
    reader.error(node.mark, fmt::format("'history'{} needs 'max_increase'/'max_decrease' (the "
                                        "change since the last accepted run) or 'sigmas' (a band "
                                        "around the mean of the last accepted runs)",
                                        context));
  } else if (node.find("window") && !sigmas) {
    reader.error(node.find("window")->mark,
                 fmt::format("'window'{} applies only with 'sigmas'", context));
  }
}

std::string default_dataset_id(const CheckSpec& check) {
  switch (check.kind) {
    case CheckKind::Unique:
      return "dataset.unique." + join(check.columns, "+");
    case CheckKind::History:
      return fmt::format("dataset.history.{}.{}", check.history.metric,
                         check.history.sigmas ? "sigmas" : "change");
    default:
      return std::string("dataset.") + check_kind_name(check.kind);
  }
}

void parse_dataset_kind(const YamlNode& key, const YamlNode& value, std::string_view context,
                        RuleReader& reader, CheckSpec& check) {
  const std::string& k = key.text;
  if (k == "rows") {
    check.kind = CheckKind::Rows;
    read_bounds_check(reader, value, k, context, check, true, {}, [](auto&, auto&) {});
  } else if (k == "malformed_rows") {
    check.kind = CheckKind::MalformedRows;
    if (value.is_scalar()) {
      check.bounds.max = reader.count(value, k, context);
    } else {
      read_bounds_check(reader, value, k, context, check, true, {}, [](auto&, auto&) {});
    }
  } else if (k == "columns") {
    check.kind = CheckKind::Columns;
    parse_columns_check(value, context, reader, check);
  } else if (k == "unique") {
    check.kind = CheckKind::Unique;
    parse_unique_check(value, context, reader, check);
  } else {
    check.kind = CheckKind::History;
    parse_history_check(value, context, reader, check);
  }
}

// ---- dataset and relations items --------------------------------------------------------------

bool is_item_option(std::string_view key) {
  return key == "id" || key == "level" || key == "mostly";
}

using KindParser = void (*)(const YamlNode& key, const YamlNode& value, std::string_view context,
                            RuleReader& reader, CheckSpec& check);

// One item of `dataset` or `relations`: a mapping with one check and, beside it, its `id`,
// `level` and `mostly` (which may also be written inside the check's own mapping).
std::optional<CheckSpec> parse_item(const YamlNode& item, std::string_view section, size_t index,
                                    const std::vector<std::string>& kinds, KindParser parse_kind,
                                    RuleReader& reader) {
  std::string context = fmt::format(" in {} item {}", section, index + 1);
  if (!item.is_map()) {
    reader.error(item.mark, fmt::format("{} items must be mappings with one of {}, not {}", section,
                                        join(kinds, ", "), item.describe()));
    return std::nullopt;
  }
  const YamlMapEntry* found = nullptr;
  for (const YamlMapEntry& entry : item.entries) {
    if (contains(kinds, entry.first.text)) {
      if (found) {
        reader.error(entry.first.mark,
                     fmt::format("{} item {} holds two checks, '{}' and '{}'; write each as its "
                                 "own item",
                                 section, index + 1, found->first.text, entry.first.text));
        continue;
      }
      found = &entry;
    } else if (!is_item_option(entry.first.text)) {
      std::vector<std::string> known = kinds;
      known.insert(known.end(), {"id", "level", "mostly"});
      reader.unknown_key(entry.first, context, known);
    }
  }
  if (!found) {
    reader.error(item.mark, fmt::format("{} item {} has no check; give it one of {}", section,
                                        index + 1, join(kinds, ", ")));
    return std::nullopt;
  }
  CheckSpec check = new_check(CheckKind::Rows, found->first.mark);
  parse_kind(found->first, found->second, context, reader, check);
  for (const YamlMapEntry& entry : item.entries) {
    if (is_item_option(entry.first.text)) {
      read_check_option(reader, entry.first, entry.second, context, check);
    }
  }
  return check;
}

void parse_dataset(const YamlNode& node, RuleReader& reader, std::vector<CheckSpec>& out) {
  if (!node.is_sequence()) {
    reader.type_error(node, "dataset", "", "a list of checks such as '- rows: {min: 1}'");
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    auto check =
        parse_item(node.items[i], "dataset", i, k_dataset_kinds, parse_dataset_kind, reader);
    if (!check)
      continue;
    if (check->id.empty())
      check->id = default_dataset_id(*check);
    reader.claim_id(*check);
    out.push_back(std::move(*check));
  }
}

void parse_compare(const YamlNode& node, std::string_view context, RuleReader& reader,
                   CheckSpec& check) {
  check.columns = {"", ""};
  for (const auto& [key, value] : node.entries) {
    if (key.text == "left" || key.text == "right") {
      check.columns[key.text == "left" ? 0 : 1] =
          reader.string(value, key.text, context).value_or("");
    } else if (key.text == "op") {
      auto op = reader.string(value, "op", context);
      if (op && !parse_compare_op(*op)) {
        reader.error(value.mark, fmt::format("'op'{} must be one of <, <=, >, >=, ==, !=, not '{}'",
                                             context, *op));
      } else if (op) {
        check.op = *parse_compare_op(*op);
      }
    } else if (!read_check_option(reader, key, value, context, check)) {
      reader.unknown_key(key, context, {"left", "op", "right", "mostly", "id", "level"});
    }
  }
  for (const char* required : {"left", "op", "right"}) {
    if (!node.find(required)) {
      reader.error(node.mark, fmt::format("'compare'{} needs '{}'", context, required));
    }
  }
}

void parse_relation_kind(const YamlNode& key, const YamlNode& value, std::string_view context,
                         RuleReader& reader, CheckSpec& check) {
  if (key.text == "compare") {
    check.kind = CheckKind::Compare;
    if (!value.is_map()) {
      reader.type_error(value, "compare", context, "a mapping with left, op and right");
      return;
    }
    parse_compare(value, context, reader, check);
    return;
  }
  check.kind = CheckKind::Correlation;
  read_bounds_check(reader, value, "correlation", context, check, false, {"columns"},
                    [&](const YamlNode& k, const YamlNode& v) {
                      auto list = reader.string_list(v, k.text, context);
                      if (list && list->size() != 2) {
                        reader.error(v.mark, fmt::format("'columns'{} must name two columns, not "
                                                         "{}",
                                                         context, list->size()));
                      } else if (list) {
                        check.columns = *list;
                      }
                    });
  if (value.is_map() && !value.find("columns")) {
    reader.error(value.mark, fmt::format("'correlation'{} needs 'columns' (two)", context));
  }
}

void parse_relations(const YamlNode& node, RuleReader& reader, std::vector<CheckSpec>& out) {
  if (!node.is_sequence()) {
    reader.type_error(node, "relations", "", "a list of compare or correlation checks");
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    auto check =
        parse_item(node.items[i], "relations", i, k_relation_kinds, parse_relation_kind, reader);
    if (!check)
      continue;
    if (check->id.empty()) {
      check->id = fmt::format("relations.{}.{}", i, check_kind_name(check->kind));
    }
    reader.claim_id(*check);
    out.push_back(std::move(*check));
  }
}

void parse_version(const YamlNode& value, RuleReader& reader) {
  if (!value.is_scalar() || value.type != ScalarType::Int) {
    reader.type_error(value, "version", "", "the integer 1");
  } else if (value.text != "1") {
    reader.error(value.mark, fmt::format("unsupported rules format version {}; this mlops reads "
                                         "version {}",
                                         value.text, k_rules_format_version));
  }
}

}  // namespace

RuleSet parse_rules(const YamlNode& root, Diagnostics& diagnostics) {
  RuleSet rules;
  RuleReader reader(diagnostics);
  if (!root.is_map()) {
    reader.error(root.mark, fmt::format("a rules file must be a mapping with 'version' and "
                                        "'dataset', 'columns' or 'relations', not {}",
                                        root.describe()));
    return rules;
  }
  for (const auto& [key, value] : root.entries) {
    if (key.text == "version") {
      parse_version(value, reader);
    } else if (key.text == "input") {
      parse_input(value, reader, rules.input);
    } else if (key.text == "dataset") {
      parse_dataset(value, reader, rules.checks);
    } else if (key.text == "columns") {
      parse_column_rules(value, reader, rules.checks);
    } else if (key.text == "relations") {
      parse_relations(value, reader, rules.checks);
    } else {
      reader.unknown_key(key, "", k_top_keys);
    }
  }
  if (!root.find("version")) {
    reader.error(root.mark, "missing required key 'version' (add 'version: 1' at the top)");
  }
  if (rules.checks.empty() && diagnostics.empty()) {
    reader.error(root.mark,
                 "the rules file has no checks; add 'dataset', 'columns' or "
                 "'relations' (mlops data suggest FILE writes a first one)");
  }
  return rules;
}

RulesLoad load_rules_text(std::string_view text, const std::string& file) {
  Diagnostics diagnostics(file, text);
  RulesLoad load;
  std::optional<YamlNode> root = parse_yaml(text, diagnostics);
  if (root) {
    RuleSet rules = parse_rules(*root, diagnostics);
    if (diagnostics.empty())
      load.rules = std::move(rules);
  } else if (diagnostics.empty()) {
    diagnostics.error({},
                      "the rules file is empty; start with 'version: 1' (mlops data suggest "
                      "FILE writes a first one)");
  }
  load.diagnostics = diagnostics.sorted();
  return load;
}

RulesLoad load_rules(const std::filesystem::path& path) {
  Result<std::string> text = read_file(path, k_max_yaml_bytes);
  if (!text.ok()) {
    Diagnostics diagnostics(path.string(), "");
    diagnostics.error({}, text.error().message());
    return RulesLoad{std::nullopt, diagnostics.sorted()};
  }
  return load_rules_text(*text, path.string());
}

}  // namespace mlops
