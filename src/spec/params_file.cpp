#include "spec/params_file.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "spec/parser.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += fmt::format("\\u{:04x}", byte);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A list (or a mapping inside one) as compact JSON, so that it can be one parameter's value.
std::string compact_json(const YamlNode& node) {
  if (node.is_sequence()) {
    std::vector<std::string> items;
    for (const auto& item : node.items) {
      items.push_back(compact_json(item));
    }
    return "[" + join(items, ", ") + "]";
  }
  if (node.is_map()) {
    std::vector<std::string> items;
    for (const auto& [key, value] : node.entries) {
      items.push_back(json_quote(key.text) + ": " + compact_json(value));
    }
    return "{" + join(items, ", ") + "}";
  }
  switch (node.type) {
    case ScalarType::Null:
      return "null";
    case ScalarType::Bool:
      return node.text == "true" || node.text == "True" || node.text == "TRUE" ? "true" : "false";
    case ScalarType::Int:
    case ScalarType::Float:
      return node.text;
    case ScalarType::String:
      break;
  }
  return json_quote(node.text);
}

void flatten(const YamlNode& node, const std::string& prefix, const std::string& origin,
             ParamMap& out, std::vector<std::string>& groups) {
  for (const auto& [key, value] : node.entries) {
    if (!is_valid_param_name(key.text)) {
      continue;  // another tool's setting that no ${params.*} can name
    }
    std::string name = prefix.empty() ? key.text : prefix + "." + key.text;
    if (value.is_map()) {
      groups.push_back(name);
      flatten(value, name, origin, out, groups);
    } else if (value.is_sequence()) {
      out[name] = ParamValue{compact_json(value), ScalarType::String, value.mark, key.mark, origin};
    } else {
      out[name] = ParamValue{value.text, value.type, value.mark, key.mark, origin};
    }
  }
}

// The params file `written` names, checked: inside the workspace, no symbolic link on the way
// leading out of it. Returns its workspace-relative path, or reports why not.
std::optional<std::string> checked_params_path(const LocatedString& written,
                                               const std::filesystem::path& pipeline_file,
                                               const std::filesystem::path& workspace,
                                               Diagnostics& diagnostics) {
  std::filesystem::path path = (pipeline_file.parent_path() / written.value).lexically_normal();
  std::error_code error;
  auto relative = workspace_relative(
      workspace, std::filesystem::absolute(path, error).lexically_normal().string());
  if (error || !relative || !is_plain_relative_path(*relative)) {
    diagnostics.error(written.mark, fmt::format("the params file '{}' is outside the workspace "
                                                "{}; move it inside the workspace",
                                                written.value, workspace.string()));
    return std::nullopt;
  }
  if (auto link = WorkspaceLinkCheck(workspace).link_leading_out(*relative)) {
    diagnostics.error(written.mark, fmt::format("the params file '{}' is reached through '{}', a "
                                                "symbolic link leading outside the workspace; "
                                                "use a file inside the workspace",
                                                written.value, *link));
    return std::nullopt;
  }
  return relative;
}

// The node of dotted parameter `name` in a params file's tree, or null.
const YamlNode* find_param_node(const YamlNode& root, const std::string& name) {
  const YamlNode* node = &root;
  for (const auto& part : split(name, '.')) {
    node = node->is_map() ? node->find(part) : nullptr;
    if (!node) {
      return nullptr;
    }
  }
  return node;
}

// The byte range [begin, end) of scalar `node` in `text`, when it is one the edit can replace
// safely: a plain scalar on one line, or a quoted one. Nothing for block scalars and folded
// plain scalars.
std::optional<std::pair<size_t, size_t>> scalar_extent(std::string_view text,
                                                       const YamlNode& node) {
  size_t begin = 0;
  for (int line = 1; line < node.mark.line; ++line) {
    begin = text.find('\n', begin);
    if (begin == std::string_view::npos) {
      return std::nullopt;
    }
    ++begin;
  }
  begin += static_cast<size_t>(std::max(node.mark.column, 1) - 1);
  if (begin >= text.size()) {
    return std::nullopt;
  }
  char first = text[begin];
  if (first == '"' || first == '\'') {
    for (size_t at = begin + 1; at < text.size(); ++at) {
      if (first == '"' && text[at] == '\\') {
        ++at;
      } else if (text[at] == first) {
        if (first == '\'' && at + 1 < text.size() && text[at + 1] == '\'') {
          ++at;  // '' inside a single-quoted scalar
          continue;
        }
        return std::make_pair(begin, at + 1);
      }
    }
    return std::nullopt;
  }
  if (!node.text.empty() && text.substr(begin, node.text.size()) == node.text) {
    return std::make_pair(begin, begin + node.text.size());
  }
  return std::nullopt;
}

bool is_json_literal(const std::string& value) {
  if (value == "true" || value == "false" || value == "null") {
    return true;
  }
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  size_t at = value.starts_with('-') ? 1 : 0;
  auto digits = [&] {
    size_t start = at;
    while (at < value.size() && std::isdigit(static_cast<unsigned char>(value[at]))) {
      ++at;
    }
    return at - start;
  };
  size_t integer = digits();
  if (integer == 0 || (integer > 1 && value[at - integer] == '0')) {
    return false;
  }
  if (at < value.size() && value[at] == '.') {
    ++at;
    if (digits() == 0) {
      return false;
    }
  }
  if (at < value.size() && (value[at] == 'e' || value[at] == 'E')) {
    ++at;
    if (at < value.size() && (value[at] == '+' || value[at] == '-')) {
      ++at;
    }
    if (digits() == 0) {
      return false;
    }
  }
  return at == value.size();
}

// How `value` is written in place of a scalar written `old_source`: quoted when the old one was
// (it stays a string), plain when that reads back as the same text, else quoted.
std::string scalar_source(const std::string& value, std::string_view old_source, bool json) {
  bool was_quoted = old_source.starts_with('"') || old_source.starts_with('\'');
  if (!was_quoted && !value.empty()) {
    if (json) {
      if (is_json_literal(value)) {
        return value;
      }
    } else if (std::all_of(value.begin(), value.end(),
                           [](char c) {
                             return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                    c == '.' || c == '-' || c == '+' || c == '/';
                           }) &&
               value[0] != '-') {
      return value;
    } else if (value[0] == '-' && is_json_literal(value)) {
      return value;
    }
  }
  return json_quote(value);
}

Result<ParamMap> params_of_text(std::string_view text) {
  Diagnostics diagnostics("params", text);
  auto root = parse_yaml(text, diagnostics);
  if (!root || !diagnostics.empty() || !root->is_map()) {
    return Error(ErrorKind::InvalidSpec, "the params file is not a YAML or JSON mapping");
  }
  ParamMap params;
  std::vector<std::string> groups;
  flatten(*root, "", "", params, groups);
  return params;
}

}  // namespace

void read_params_tree(const YamlNode& root, const std::string& origin, Diagnostics& diagnostics,
                      ParamMap& out, std::vector<std::string>& groups) {
  if (!root.is_map()) {
    diagnostics.error(root.mark, fmt::format("a params file must be a mapping of names to "
                                             "values (such as 'train: {{lr: 0.1}}'), not {}",
                                             root.describe()));
    return;
  }
  flatten(root, "", origin, out, groups);
}

ParamsFilesRead read_params_files(const PipelineSpec& spec,
                                  const std::filesystem::path& pipeline_file,
                                  const std::filesystem::path& workspace, ParamMap& params,
                                  Diagnostics& diagnostics, std::vector<Diagnostic>& file_errors) {
  ParamsFilesRead read;
  for (const auto& written : spec.params_files) {
    auto relative = checked_params_path(written, pipeline_file, workspace, diagnostics);
    if (!relative) {
      continue;
    }
    std::filesystem::path path = (pipeline_file.parent_path() / written.value).lexically_normal();
    std::error_code error;
    auto status = std::filesystem::status(path, error);
    if (!error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
      // A FIFO or a device would block the read, or never end.
      diagnostics.error(written.mark, fmt::format("the params file '{}' is not a regular file",
                                                  path.generic_string()));
      continue;
    }
    auto text = read_file(path, k_max_yaml_bytes);
    if (!text.ok()) {
      std::string what = text.error().kind() == ErrorKind::NotFound
                             ? fmt::format(
                                   "the params file '{}' does not exist; create it (a "
                                   "YAML mapping such as 'train: {{lr: 0.1}}') or fix "
                                   "the name",
                                   path.generic_string())
                             : fmt::format("cannot read the params file '{}': {}",
                                           path.generic_string(), text.error().message());
      diagnostics.error(written.mark, what);
      continue;
    }
    Diagnostics file_diagnostics(path.generic_string(), *text);
    ParamMap from_file;
    if (auto root = parse_yaml(*text, file_diagnostics)) {
      read_params_tree(*root, *relative, file_diagnostics, from_file, read.groups);
    }  // an empty file declares nothing
    for (auto& [name, value] : from_file) {
      read.file_of[name] = *relative;
      params[name] = std::move(value);
    }
    read.files.push_back(*relative);
    auto list = file_diagnostics.sorted();
    file_errors.insert(file_errors.end(), list.begin(), list.end());
  }
  return read;
}

Result<std::string> set_param_in_text(std::string_view text, const std::string& name,
                                      const std::string& value, bool json) {
  Diagnostics diagnostics("params", text);
  auto root = parse_yaml(text, diagnostics);
  const YamlNode* node = root ? find_param_node(*root, name) : nullptr;
  if (!node || !node->is_scalar()) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("'{}' is not a single value in the file", name));
  }
  auto extent = scalar_extent(text, *node);
  if (!extent) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("'{}' is written as a multi-line or block value, which cannot be "
                             "replaced in place; edit the file",
                             name));
  }
  std::string_view old_source = text.substr(extent->first, extent->second - extent->first);
  std::string edited(text.substr(0, extent->first));
  edited += scalar_source(value, old_source, json);
  edited += text.substr(extent->second);
  // The edit must change exactly that one value, as the loader will read it.
  auto before = params_of_text(text);
  auto after = params_of_text(edited);
  if (before.ok() && after.ok()) {
    auto expected = *before;
    expected[name].text = value;
    bool same = expected.size() == after->size();
    for (auto it = expected.begin(), jt = after->begin(); same && it != expected.end();
         ++it, ++jt) {
      same = it->first == jt->first && it->second.text == jt->second.text;
    }
    if (same) {
      return edited;
    }
  }
  return Error(ErrorKind::InvalidSpec,
               fmt::format("writing '{}' in place would change more than that value; edit the "
                           "file",
                           name));
}

}  // namespace mlops
