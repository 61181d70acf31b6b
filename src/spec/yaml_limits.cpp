#include "spec/yaml_limits.hpp"

#include <fmt/format.h>

#include "util/utf8.hpp"

namespace mlops {

SourceMark mark_of_offset(std::string_view text, size_t offset) {
  SourceMark mark{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++mark.line;
      mark.column = 1;
    } else {
      ++mark.column;
    }
  }
  return mark;
}

size_t offset_of_mark(std::string_view text, SourceMark mark) {
  size_t offset = 0;
  for (int line = 1; line < mark.line; ++line) {
    size_t newline = text.find('\n', offset);
    if (newline == std::string_view::npos) {
      return text.size();
    }
    offset = newline + 1;
  }
  return std::min(text.size(), offset + static_cast<size_t>(std::max(mark.column - 1, 0)));
}

LineOffsets::LineOffsets(std::string_view text) : m_size(text.size()) {
  m_starts.push_back(0);
  for (size_t i = text.find('\n'); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    m_starts.push_back(i + 1);
  }
}

size_t LineOffsets::offset_of(SourceMark mark) const {
  if (mark.line < 1) {
    return std::min(m_size, static_cast<size_t>(std::max(mark.column - 1, 0)));
  }
  if (static_cast<size_t>(mark.line) > m_starts.size()) {
    return m_size;
  }
  size_t start = m_starts[static_cast<size_t>(mark.line) - 1];
  return std::min(m_size, start + static_cast<size_t>(std::max(mark.column - 1, 0)));
}

bool check_yaml_input_limits(std::string_view text, Diagnostics& diagnostics) {
  if (text.size() > k_max_yaml_bytes) {
    diagnostics.error({}, fmt::format("the file is larger than {} MiB; pipeline files are small",
                                      k_max_yaml_bytes / (1024 * 1024)));
    return false;
  }
  if (auto bad = first_invalid_utf8(text)) {
    diagnostics.error(mark_of_offset(text, *bad),
                      fmt::format("byte 0x{:02X} is not valid UTF-8; pipeline files, and the "
                                  "names and paths in them, must be UTF-8",
                                  static_cast<unsigned char>(text[*bad])));
    return false;
  }
  int depth = 0;
  size_t opened = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '[' || c == '{') {
      if (++depth > k_max_yaml_nesting) {
        diagnostics.error(mark_of_offset(text, i),
                          fmt::format("brackets nest deeper than {} levels here; pipeline files "
                                      "are shallow (every '[' and '{{' counts, in strings too)",
                                      k_max_yaml_nesting));
        return false;
      }
      if (++opened > k_max_yaml_nodes) {
        diagnostics.error(mark_of_offset(text, i),
                          fmt::format("more than {} '[' and '{{' in one file; pipeline files are "
                                      "small",
                                      k_max_yaml_nodes));
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::optional<size_t> quoted_scalar_end(std::string_view text, size_t open) {
  char quote = text[open];
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;
        continue;
      }
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace mlops
