// Diagnostics: user errors in a pipeline (or params) file, each with a file:line:column position
// and the source line it points at, so the CLI can print
//
//   pipeline.yaml:12:5: error: unknown key 'depz' (did you mean 'deps'?)
//      12 |     depz: [a]
//         |     ^
//
// A Diagnostics collector belongs to one source file; it keeps the text to quote lines from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mlops {

// A 1-based position in a source file. Line 0 means "the file as a whole".
struct SourceMark {
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  std::string file;
  SourceMark mark;
  std::string message;
  std::string source_line;  // the text of line `mark.line`, without its newline
};

// "FILE:LINE:COL: error: MESSAGE" followed by the quoted line and a caret under the column.
std::string render_diagnostic(const Diagnostic& diagnostic);

class Diagnostics {
 public:
  Diagnostics(std::string file, std::string_view text);

  void error(SourceMark mark, std::string message);

  // The position of the first occurrence of `needle` at or after `from` in the source, or `from`
  // itself when it does not occur. Used to point at a `${...}` inside a scalar.
  SourceMark find_after(SourceMark from, std::string_view needle) const;

  const std::string& file() const { return m_file; }
  bool empty() const { return m_list.empty(); }
  // All diagnostics, ordered by position.
  std::vector<Diagnostic> sorted() const;

 private:
  size_t offset_of(SourceMark mark) const;

  std::string m_file;
  std::string m_text;
  std::vector<size_t> m_line_starts;
  std::vector<Diagnostic> m_list;
};

}  // namespace mlops
