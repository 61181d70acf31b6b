// Writing a RuleSuggestion as a rules file (YAML, a comment above each check).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "quality/suggest.hpp"
#include "util/strings.hpp"

namespace mlops {

std::string yaml_scalar(std::string_view text) {
  static const char* const k_reserved[] = {"true", "false", "yes", "no",  "on", "off",
                                           "null", "y",     "n",   "inf", "nan"};
  bool plain =
      !text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_');
  for (char c : text) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                      c == '.' || c == '/');
  }
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : k_reserved)
    plain = plain && lower != word;
  if (plain)
    return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

std::string scalar_list(const std::vector<std::string>& values) {
  std::vector<std::string> items;
  for (const std::string& value : values)
    items.push_back(yaml_scalar(value));
  return "[" + join(items, ", ") + "]";
}

std::string input_yaml(const InputSpec& input) {
  std::vector<std::string> fields;
  if (input.format)
    fields.push_back("format: " + *input.format);
  if (input.delimiter) {
    fields.push_back("delimiter: " + (*input.delimiter == '\t'
                                          ? std::string("tab")
                                          : yaml_scalar(std::string(1, *input.delimiter))));
  }
  if (input.header)
    fields.push_back(std::string("header: ") + (*input.header ? "true" : "false"));
  if (input.null_values)
    fields.push_back("null_values: " + scalar_list(*input.null_values));
  if (fields.empty())
    return "";
  return "input: {" + join(fields, ", ") + "}\n";
}

// The check's line(s) under its key: "rows: {min: 1}", "not_null: true", ...
std::string check_body(const CheckSpec& s) {
  switch (s.kind) {
    case CheckKind::Rows:
      return fmt::format("rows: {{min: {:g}}}", s.bounds.min.value_or(0));
    case CheckKind::MalformedRows:
      return "malformed_rows: {max: 0}";
    case CheckKind::Columns:
      return "columns: {required: " + scalar_list(s.required) + "}";
    case CheckKind::NotNull:
      return "not_null: true";
    case CheckKind::Completeness:
      return fmt::format("completeness: {:g}", s.bounds.min.value_or(0));
    case CheckKind::Type:
      return std::string("type: ") + expected_type_name(s.type);
    case CheckKind::InSet:
      return "in_set: " + scalar_list(s.values);
    case CheckKind::Min:
      return "min: 0";
    case CheckKind::Unique:
      return "unique: true";
    default:
      return std::string("# (cannot write a ") + check_kind_name(s.kind) + " check)";
  }
}

std::string header(const RuleSuggestion& s) {
  return fmt::format(
      "# Rules suggested by `mlops data suggest` for {} ({} rows, {} columns), by Deequ's default\n"
      "# suggestion rules; every check below passed on that file. Review them before relying on\n"
      "# them: they describe this file, not necessarily the data to come (docs/data-quality.md).\n"
      "version: 1\n",
      s.source, s.rows, s.columns.size());
}

}  // namespace

std::string suggestion_yaml(const RuleSuggestion& s) {
  std::string out = header(s) + input_yaml(s.input);
  std::string dataset;
  std::vector<std::string> order;  // columns with checks, in profile order
  for (const SuggestedCheck& check : s.checks) {
    if (check.spec.columns.empty()) {
      dataset += fmt::format("  # {}\n  - {}\n", check.reason, check_body(check.spec));
    }
  }
  if (!dataset.empty())
    out += "dataset:\n" + dataset;
  for (const std::string& column : s.columns) {
    std::string body;
    for (const SuggestedCheck& check : s.checks) {
      if (check.spec.columns.size() == 1 && check.spec.columns[0] == column) {
        body += fmt::format("    # {}\n    {}\n", check.reason, check_body(check.spec));
      }
    }
    if (body.empty())
      continue;
    if (order.empty())
      out += "columns:\n";
    order.push_back(column);
    out += "  " + yaml_scalar(column) + ":\n" + body;
  }
  for (const std::string& dropped : s.dropped) {
    out += "# not suggested after all, " + dropped + "\n";
  }
  return out;
}

}  // namespace mlops
