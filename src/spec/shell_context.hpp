// Where a point of a /bin/sh command lies in the shell's grammar, so that a value interpolated
// there can be quoted for exactly that place, or refused when no quoting is safe.
//
// ShellContext reads a command left to right, one call to consume() at a time, and answers
// place() for the position it has reached. It knows what POSIX sh (dash, Debian's /bin/sh) does
// with: '...', "...", backslashes, $(...), ${...} (parameter expansion), $((...)) (arithmetic),
// # comments, and here-documents (<<WORD and <<-WORD, with quoted or unquoted words, several on
// one line, inside $(...) too). Backquoted command substitutions are not scanned here: their
// text is unescaped and expanded as a command of its own (see interpolate.cpp).
//
// Known limit: a `case` pattern written without its opening parenthesis inside $(...) closes
// the $( early in this scanner; write `(pattern)` there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlops {

enum class ShellPlace {
  Unquoted,      // a word: the value is single-quoted
  DoubleQuoted,  // inside "...": \ $ ` " are escaped
  SingleQuoted,  // inside '...': each ' becomes '\''
  Comment,       // after #: line breaks would end the comment, so they become spaces
  // No quoting is safe (or possible) in the places below: a reference there is refused.
  HeredocBody,         // here-document text: no escape survives, and a line may end it
  HeredocWord,         // the word after <<
  Arithmetic,          // $((...)): the text is expanded, then evaluated as arithmetic
  ParameterExpansion,  // ${name...}: quoting rules differ between shells
  DollarSingleQuoted,  // $'...': backslash escapes in bash, not in dash
};

// True for the places where a reference is refused.
bool is_refused(ShellPlace place);

class ShellContext {
 public:
  ShellPlace place() const;
  // True right after an unquoted or double-quoted backslash: the next character is escaped.
  bool after_backslash() const { return m_frames.back().escape; }
  // True inside "..." (where a backquoted command also unescapes \").
  bool double_quoted() const { return m_frames.back().quote == Quote::Double; }
  // True when text[i] is a backquote that starts a command substitution.
  bool opens_backquote(std::string_view text, size_t i) const;
  // Consumes text[i] (or a longer token starting there); returns how many characters it took.
  size_t consume(std::string_view text, size_t i);
  // Tells the scanner that something ending a word's start (a value, a backquoted command) was
  // written at this point.
  void note_word_text() { m_word_start = false; }
  // What is left open at the end of the command, as an error message; "" when nothing is.
  std::string unterminated() const;

 private:
  enum class Kind { Top, Subshell, Arithmetic, Brace };
  enum class Quote { None, Single, Double, DollarSingle };
  struct Frame {
    Kind kind = Kind::Top;
    Quote quote = Quote::None;
    int parens = 0;
    bool escape = false;
  };
  struct Heredoc {
    std::string word;
    bool strip_tabs = false;
  };

  size_t consume_quoted(Frame& frame, std::string_view text, size_t i);
  size_t consume_unquoted(Frame& frame, std::string_view text, size_t i);
  size_t consume_heredoc_word(std::string_view text, size_t i);
  size_t consume_heredoc_line(std::string_view text, size_t i);
  void end_of_line(size_t next);

  std::vector<Frame> m_frames{Frame{}};
  bool m_in_comment = false;
  bool m_word_start = true;
  // The word after << being read, its quoting, and the here-documents waiting for their text.
  bool m_in_heredoc_word = false;
  char m_heredoc_word_quote = 0;
  Heredoc m_word;
  std::vector<Heredoc> m_pending;
  // Reading here-document text: where the current line starts.
  bool m_in_body = false;
  size_t m_body_line_start = 0;
};

}  // namespace mlops
