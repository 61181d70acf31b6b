#include "app/pipeline_draft.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace mlops {
namespace {

bool plain_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("_./+=@-").find(c) != std::string_view::npos;
}

// The escape for the character starting at `text[i]` that YAML does not allow as it is in a
// double-quoted scalar or a comment (C0 and C1 controls, DEL, the Unicode line and paragraph
// separators, the byte order mark), with its length in bytes; nothing when it may stay.
std::optional<std::pair<std::string, size_t>> escape_at(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x20 || c == 0x7f) {
    switch (c) {
      case '\n':
        return std::pair{std::string("\\n"), size_t{1}};
      case '\t':
        return std::pair{std::string("\\t"), size_t{1}};
      case '\r':
        return std::pair{std::string("\\r"), size_t{1}};
      default:
        return std::pair{fmt::format("\\x{:02x}", c), size_t{1}};
    }
  }
  if (c == 0xc2 && i + 1 < text.size() && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9f) {
    return std::pair{fmt::format("\\u{:04x}", byte(i + 1)), size_t{2}};
  }
  if (c == 0xe2 && i + 2 < text.size() && byte(i + 1) == 0x80 &&
      (byte(i + 2) == 0xa8 || byte(i + 2) == 0xa9)) {
    return std::pair{std::string(byte(i + 2) == 0xa8 ? "\\L" : "\\P"), size_t{3}};
  }
  if (c == 0xef && i + 2 < text.size() && byte(i + 1) == 0xbb && byte(i + 2) == 0xbf) {
    return std::pair{std::string("\\ufeff"), size_t{3}};
  }
  return std::nullopt;
}

// `text` with what escape_at names escaped and, for a double-quoted scalar, `\` and `"` too.
std::string escaped(std::string_view text, bool quoted) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (auto escape = escape_at(text, i)) {
      out += escape->first;
      i += escape->second;
      continue;
    }
    if (quoted && (text[i] == '\\' || text[i] == '"')) {
      out += '\\';
    }
    out += text[i++];
  }
  return out;
}

// Whether `text` can be a literal block scalar (`|-`) read back unchanged: several lines of
// printable text, the first neither empty nor indented (the block's indentation is taken from the
// first line with text: an indented one would end it early), none with trailing blanks, no final
// line break.
bool fits_block(std::string_view text) {
  if (text.find('\n') == std::string_view::npos || text.empty() || text.front() == ' ' ||
      text.front() == '\t' || text.front() == '\n' || text.back() == '\n') {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      if (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) {
        return false;
      }
    } else if (text[i] != '\t' && escape_at(text, i)) {
      return false;
    }
  }
  return text.back() != ' ' && text.back() != '\t';
}

// `text` as a plain scalar in block context when that reads back as the same string: printable
// ASCII without `:` or `#` (which could start a mapping or a comment), starting with a letter,
// digit, `_` or `/` and not ending with a blank; else as yaml_string writes it.
std::string block_string(std::string_view text) {
  bool plain =
      !text.empty() &&
      (std::isalnum(static_cast<unsigned char>(text[0])) || text[0] == '_' || text[0] == '/') &&
      text.back() != ' ' && plain_scalar_type(text) == ScalarType::String &&
      std::all_of(text.begin(), text.end(),
                  [](char c) { return c >= ' ' && c <= '~' && c != ':' && c != '#'; });
  return plain ? std::string(text) : yaml_string(text);
}

std::string indent(int level) {
  return std::string(static_cast<size_t>(level) * 2, ' ');
}

void write_notes(const std::vector<std::string>& notes, int level, std::string& out) {
  for (const std::string& note : notes) {
    out += indent(level) + "# " + yaml_comment_text(note) + "\n";
  }
}

// A scalar node as written: numbers, booleans and null as they were, strings quoted as needed.
std::string scalar_text(const YamlNode& node) {
  if (node.type != ScalarType::String && plain_scalar_type(node.text) == node.type &&
      !node.text.empty() && std::all_of(node.text.begin(), node.text.end(), plain_char)) {
    return node.text;
  }
  return node.type == ScalarType::Null ? "null" : yaml_string(node.text);
}

void write_node(const YamlNode& node, int level, std::string& out) {
  if (node.is_scalar()) {
    out += " " + scalar_text(node) + "\n";
    return;
  }
  if (node.is_sequence()) {
    out += node.items.empty() ? " []\n" : "\n";
    for (const YamlNode& item : node.items) {
      out += indent(level) + "-";
      write_node(item, level + 1, out);
    }
    return;
  }
  out += node.entries.empty() ? " {}\n" : "\n";
  for (const YamlMapEntry& entry : node.entries) {
    out += indent(level) + yaml_string(entry.first.text) + ":";
    write_node(entry.second, level + 1, out);
  }
}

void write_list(std::string_view key, const std::vector<std::string>& items, int level,
                std::string& out) {
  if (items.empty()) {
    return;
  }
  out += indent(level) + std::string(key) + ":\n";
  for (const std::string& item : items) {
    out += indent(level + 1) + "- " + block_string(item) + "\n";
  }
}

void write_plots(const std::vector<PlotOptions>& plots, int level, std::string& out) {
  if (plots.empty()) {
    return;
  }
  out += indent(level) + "plots:\n";
  for (const PlotOptions& plot : plots) {
    if (plot.x.empty() && plot.y.empty() && plot.title.empty() && plot.kind == "linear" &&
        plot.x_label.empty() && plot.y_label.empty()) {
      out += indent(level + 1) + "- " + block_string(plot.path) + "\n";
      continue;
    }
    out += indent(level + 1) + "- path: " + block_string(plot.path) + "\n";
    auto field = [&](std::string_view key, const std::string& value) {
      if (!value.empty()) {
        out += indent(level + 2) + std::string(key) + ": " + block_string(value) + "\n";
      }
    };
    field("x", plot.x);
    if (plot.y.size() == 1) {
      field("y", plot.y[0]);
    } else if (!plot.y.empty()) {
      out += indent(level + 2) + "y:\n";
      for (const std::string& y : plot.y) {
        out += indent(level + 3) + "- " + block_string(y) + "\n";
      }
    }
    field("title", plot.title);
    field("template", plot.kind == "linear" ? "" : plot.kind);
    field("x_label", plot.x_label);
    field("y_label", plot.y_label);
  }
}

void write_run(const std::string& run, int level, std::string& out) {
  if (!fits_block(run)) {
    out += indent(level) + "run: " + block_string(run) + "\n";
    return;
  }
  out += indent(level) + "run: |-\n";
  size_t start = 0;
  while (start <= run.size()) {
    size_t end = run.find('\n', start);
    std::string_view line = std::string_view(run).substr(
        start, end == std::string::npos ? std::string::npos : end - start);
    out += line.empty() ? "\n" : indent(level + 1) + std::string(line) + "\n";
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
}

void write_stage(const DraftStage& stage, std::string& out) {
  write_notes(stage.notes, 1, out);
  out += indent(1) + yaml_string(stage.name) + ":\n";
  if (stage.description) {
    out += indent(2) + "description: " + block_string(*stage.description) + "\n";
  }
  if (!stage.matrix.empty()) {
    out += indent(2) + "matrix:\n";
    for (const auto& [key, values] : stage.matrix) {
      out += indent(3) + yaml_string(key) + ": [";
      for (size_t i = 0; i < values.size(); ++i) {
        out += (i > 0 ? ", " : "") + scalar_text(values[i]);
      }
      out += "]\n";
    }
  }
  write_run(stage.run, 2, out);
  if (!stage.workdir.empty()) {
    out += indent(2) + "workdir: " + block_string(stage.workdir) + "\n";
  }
  write_list("deps", stage.deps, 2, out);
  write_list("params", stage.params, 2, out);
  write_list("outs", stage.outs, 2, out);
  write_list("metrics", stage.metrics, 2, out);
  write_plots(stage.plots, 2, out);
  if (stage.always_run) {
    out += indent(2) + "always_run: true\n";
  }
  if (stage.incremental) {
    out += indent(2) + "incremental: true\n";
  }
}

void write_params(const PipelineDraft& draft, std::string& out) {
  if (draft.params_files.empty() && !draft.params_values) {
    return;
  }
  write_notes(draft.params_notes, 0, out);
  if (draft.params_files.empty()) {
    out += "params:";
    write_node(*draft.params_values, 1, out);
    return;
  }
  out += "params:\n";
  write_list("file", draft.params_files, 1, out);
  if (draft.params_values) {
    out += indent(1) + "values:";
    write_node(*draft.params_values, 2, out);
  }
}

}  // namespace

std::string yaml_string(std::string_view text) {
  if (!text.empty() &&
      (std::isalnum(static_cast<unsigned char>(text[0])) || text[0] == '_' || text[0] == '/') &&
      std::all_of(text.begin(), text.end(), plain_char) &&
      plain_scalar_type(text) == ScalarType::String) {
    return std::string(text);
  }
  return "\"" + escaped(text, true) + "\"";
}

std::string yaml_comment_text(std::string_view text) {
  return escaped(text, false);
}

std::string write_pipeline_yaml(const PipelineDraft& draft) {
  std::string out;
  write_notes(draft.header, 0, out);
  out += "version: 1\n";
  out += "name: " + yaml_string(draft.name) + "\n";
  write_params(draft, out);
  out += "stages:\n";
  for (const DraftStage& stage : draft.stages) {
    write_stage(stage, out);
  }
  return out;
}

}  // namespace mlops
