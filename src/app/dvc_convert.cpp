// dvc.yaml -> pipeline draft (app/import_dvc.hpp). One Converter per file: it walks the YAML tree
// of spec/yaml_tree.hpp, reports errors at their FILE:LINE:COL, and records each thing without
// an mlops equivalent as a `dvc:` note on the stage (or the file) it belongs to.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "app/dvc_converter.hpp"
#include "app/import_dvc.hpp"
#include "app/pipeline_draft.hpp"
#include "spec/yaml_tree.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

// DVC keys in `${a.b-c}`: words of letters, digits, `_` and `-`.
bool is_key_word(std::string_view text) {
  return !text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_') &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
         });
}

// `${...}` inside a value substituted literally would be read by mlops as a reference.
std::string literal(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    out += value.substr(i, 2) == "${" ? "$" : "";
    out += value[i];
  }
  return out;
}

// Appends text that mlops must read as written. A value that ends in `$` (`${item}` of "$"),
// followed by a `{`, would join into a `${` that mlops reads as a reference the dvc.yaml never
// wrote; the `$` before such a `{` is doubled (`$${` is mlops's literal `${`).
void append_literal(std::string& out, std::string_view piece) {
  if (!out.empty() && out.back() == '$' && !piece.empty() && piece.front() == '{') {
    out += '$';
  }
  out += piece;
}

bool is_params_format(std::string_view path) {
  for (const char* suffix : {".yaml", ".yml", ".json"}) {
    std::string_view s(suffix);
    if (path.size() > s.size() && path.substr(path.size() - s.size()) == s) {
      return true;
    }
  }
  return false;
}

}  // namespace

DvcConverter::DvcConverter(std::string_view text, const DvcConvertContext& context)
    : m_diagnostics(context.file_name, text), m_context(context) {}

void DvcConverter::error(const YamlNode& node, std::string message) {
  m_diagnostics.error(node.mark, std::move(message));
}

void DvcConverter::drop(std::vector<std::string>& notes, const std::string& where,
                        std::string what) {
  // Printed on a terminal too: no control characters from the file.
  m_dropped.push_back(yaml_comment_text(where.empty() ? what : where + ": " + what));
  notes.push_back("dvc: " + std::move(what));
}

bool DvcConverter::check_keys(const YamlNode& map, const std::vector<std::string>& allowed,
                              std::string_view what) {
  bool ok = true;
  for (const YamlMapEntry& entry : map.entries) {
    if (std::find(allowed.begin(), allowed.end(), entry.first.text) == allowed.end()) {
      error(entry.first, fmt::format("unknown key '{}' in {}{}", entry.first.text, what,
                                     did_you_mean(entry.first.text, allowed)));
      ok = false;
    }
  }
  return ok;
}

const YamlNode* DvcConverter::expect_list(const YamlNode* node, std::string_view key) {
  if (node == nullptr || node->is_null()) {
    return nullptr;
  }
  if (!node->is_sequence()) {
    error(*node, fmt::format("'{}' must be a list, not {}", key, node->describe()));
    return nullptr;
  }
  return node;
}

std::optional<std::string> DvcConverter::reference(const YamlNode& node, std::string_view inner,
                                                   const Locals& locals) {
  SourceMark at = m_diagnostics.find_after(node.mark, std::string("${") + std::string(inner));
  std::vector<std::string> words = split(inner, '.');
  for (const std::string& word : words) {
    if (!is_key_word(word)) {
      m_diagnostics.error(at, fmt::format("'${{{}}}': mlops import understands only "
                                          "${{name}} and ${{name.key...}} references (no list "
                                          "indexes or expressions)",
                                          inner));
      return std::nullopt;
    }
  }
  if (locals.matrix_item && words[0] == "item") {
    if (words.size() != 2) {
      m_diagnostics.error(at, "a matrix stage's ${item} is a mapping: use ${item.KEY}");
      return std::nullopt;
    }
    return "${matrix." + words[1] + "}";
  }
  for (const auto& [name, value] : locals.values) {
    if (name != words[0]) {
      continue;
    }
    const YamlNode* found = &value;
    for (size_t i = 1; i < words.size() && found != nullptr; ++i) {
      found = found->is_map() ? found->find(words[i]) : nullptr;
    }
    if (found == nullptr || !found->is_scalar()) {
      m_diagnostics.error(at,
                          fmt::format("'${{{}}}' {}: mlops import substitutes only single "
                                      "values",
                                      inner, found ? "is a list or mapping" : "is not defined"));
      return std::nullopt;
    }
    return literal(found->text);
  }
  m_uses_params = m_uses_params ? m_uses_params : &node;
  return "${params." + std::string(inner) + "}";
}

// DVC's `${...}` in a value as mlops writes it: a local (`item`, `key`, a stage's vars) as its
// value, written in; anything else as the parameter `${params.NAME}` (DVC reads it from
// params.yaml or `vars`, and so will mlops); `\${` (DVC's literal) as mlops's `$${`.
std::optional<std::string> DvcConverter::text(const YamlNode& node, const Locals& locals) {
  if (!node.is_scalar() || node.is_null()) {
    error(node, fmt::format("expected a string, not {}", node.describe()));
    return std::nullopt;
  }
  const std::string& in = node.text;
  std::string out;
  for (size_t i = 0; i < in.size();) {
    if (in.compare(i, 3, "\\${") == 0) {
      out += "$${";
      i += 3;
      continue;
    }
    if (in.compare(i, 2, "${") != 0) {
      append_literal(out, std::string_view(in).substr(i++, 1));
      continue;
    }
    size_t end = in.find('}', i);
    if (end == std::string::npos) {
      m_diagnostics.error(m_diagnostics.find_after(node.mark, "${"), "'${' is never closed");
      return std::nullopt;
    }
    auto replaced = reference(node, trim(std::string_view(in).substr(i + 2, end - i - 2)), locals);
    if (!replaced) {
      return std::nullopt;
    }
    if (!out.empty() && out.back() == '$' && replaced->rfind("${", 0) == 0) {
      error(node, "'$' right before '${' would read as mlops's literal '$${': put the two apart");
      return std::nullopt;
    }
    if (replaced->rfind("${", 0) == 0) {
      out += *replaced;
    } else {
      append_literal(out, *replaced);
    }
    i = end + 1;
  }
  return out;
}

std::optional<std::string> DvcConverter::path(const YamlNode& node, const Locals& locals,
                                              const std::string& wdir) {
  auto value = text(node, locals);
  if (!value) {
    return std::nullopt;
  }
  if (value->empty()) {
    error(node, "empty path");
    return std::nullopt;
  }
  std::filesystem::path candidate(*value);
  if (!candidate.is_absolute()) {
    candidate = std::filesystem::path(m_context.dvc_dir) / wdir / candidate;
  }
  auto relative = workspace_relative(m_context.workspace, candidate.generic_string());
  if (!relative) {
    error(node, fmt::format("path '{}' leads outside the workspace {}: mlops refuses paths "
                            "outside it",
                            *value, m_context.workspace.string()));
  }
  return relative;
}

// A params file named in dvc.yaml (relative to the dvc.yaml's directory), added to the
// pipeline's `params: {file: [...]}` once. False when mlops cannot read its format.
bool DvcConverter::add_params_file(const YamlNode& at, const std::string& dvc_relative) {
  if (!is_params_format(dvc_relative)) {
    return false;
  }
  auto relative = workspace_relative(
      m_context.workspace,
      (std::filesystem::path(m_context.dvc_dir) / dvc_relative).generic_string());
  if (!relative) {
    error(at, fmt::format("params file '{}' lies outside the workspace", dvc_relative));
    return true;
  }
  if (!m_context.exists(*relative)) {
    error(at, fmt::format("params file '{}' does not exist", *relative));
    return true;
  }
  std::string from_pipeline =
      std::filesystem::path(*relative).lexically_relative(m_context.pipeline_dir).generic_string();
  auto& files = m_draft.params_files;
  if (std::find(files.begin(), files.end(), from_pipeline) == files.end()) {
    files.push_back(from_pipeline);
  }
  return true;
}

}  // namespace mlops
