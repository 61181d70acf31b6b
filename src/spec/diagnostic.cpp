#include "spec/diagnostic.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace mlops {

std::string render_diagnostic(const Diagnostic& diagnostic) {
  if (diagnostic.mark.line <= 0) {
    return fmt::format("{}: error: {}\n", diagnostic.file, diagnostic.message);
  }
  std::string out = fmt::format("{}:{}:{}: error: {}\n", diagnostic.file, diagnostic.mark.line,
                                diagnostic.mark.column, diagnostic.message);
  std::string number = std::to_string(diagnostic.mark.line);
  std::string gutter(number.size(), ' ');
  out += fmt::format(" {} | {}\n", number, diagnostic.source_line);
  // Keep tabs in the caret line so the caret lines up under a tab-indented column.
  std::string pad;
  for (int i = 0;
       i + 1 < diagnostic.mark.column && i < static_cast<int>(diagnostic.source_line.size()); ++i) {
    pad += diagnostic.source_line[i] == '\t' ? '\t' : ' ';
  }
  out += fmt::format(" {} | {}^\n", gutter, pad);
  return out;
}

Diagnostics::Diagnostics(std::string file, std::string_view text)
    : m_file(std::move(file)), m_text(text) {
  m_line_starts.push_back(0);
  for (size_t i = 0; i < m_text.size(); ++i) {
    if (m_text[i] == '\n') {
      m_line_starts.push_back(i + 1);
    }
  }
}

void Diagnostics::error(SourceMark mark, std::string message) {
  Diagnostic diagnostic{m_file, mark, std::move(message), {}};
  if (mark.line > 0 && static_cast<size_t>(mark.line) <= m_line_starts.size()) {
    size_t start = m_line_starts[mark.line - 1];
    size_t end = m_text.find('\n', start);
    diagnostic.source_line =
        m_text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!diagnostic.source_line.empty() && diagnostic.source_line.back() == '\r') {
      diagnostic.source_line.pop_back();
    }
  }
  m_list.push_back(std::move(diagnostic));
}

size_t Diagnostics::offset_of(SourceMark mark) const {
  if (mark.line <= 0 || static_cast<size_t>(mark.line) > m_line_starts.size()) {
    return std::string::npos;
  }
  return m_line_starts[mark.line - 1] + static_cast<size_t>(std::max(mark.column, 1) - 1);
}

SourceMark Diagnostics::find_after(SourceMark from, std::string_view needle) const {
  size_t start = offset_of(from);
  if (start == std::string::npos || start > m_text.size()) {
    return from;
  }
  size_t found = m_text.find(needle, start);
  if (found == std::string::npos) {
    return from;
  }
  auto line_it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), found);
  int line = static_cast<int>(line_it - m_line_starts.begin());
  int column = static_cast<int>(found - m_line_starts[line - 1]) + 1;
  return {line, column};
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> list = m_list;
  std::stable_sort(list.begin(), list.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.mark.line, a.mark.column) <
           std::tie(b.file, b.mark.line, b.mark.column);
  });
  return list;
}

}  // namespace mlops
