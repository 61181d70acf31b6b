#include "spec/shell_context.hpp"

#include <cstring>

#include <fmt/format.h>

namespace mlops {
namespace {

bool ends_word(char c) {
  return c == ' ' || c == '\t' || c == '\n' || std::strchr(";&|()<>", c) != nullptr;
}

}  // namespace

bool is_refused(ShellPlace place) {
  switch (place) {
    case ShellPlace::Unquoted:
    case ShellPlace::DoubleQuoted:
    case ShellPlace::SingleQuoted:
    case ShellPlace::Comment:
      return false;
    case ShellPlace::HeredocBody:
    case ShellPlace::HeredocWord:
    case ShellPlace::Arithmetic:
    case ShellPlace::ParameterExpansion:
    case ShellPlace::DollarSingleQuoted:
      return true;
  }
  return true;
}

ShellPlace ShellContext::place() const {
  if (m_in_body) {
    return ShellPlace::HeredocBody;
  }
  if (m_in_heredoc_word) {
    return ShellPlace::HeredocWord;
  }
  if (m_in_comment) {
    return ShellPlace::Comment;
  }
  // Only the innermost frame matters: $(...) starts a fresh command wherever it is.
  const Frame& frame = m_frames.back();
  if (frame.kind == Kind::Arithmetic) {
    return ShellPlace::Arithmetic;
  }
  if (frame.kind == Kind::Brace) {
    return ShellPlace::ParameterExpansion;
  }
  switch (frame.quote) {
    case Quote::None:
      return ShellPlace::Unquoted;
    case Quote::Single:
      return ShellPlace::SingleQuoted;
    case Quote::Double:
      return ShellPlace::DoubleQuoted;
    case Quote::DollarSingle:
      return ShellPlace::DollarSingleQuoted;
  }
  return ShellPlace::Unquoted;
}

bool ShellContext::opens_backquote(std::string_view text, size_t i) const {
  const Frame& frame = m_frames.back();
  return text[i] == '`' && !m_in_body && !m_in_heredoc_word && !m_in_comment && !frame.escape &&
         (frame.quote == Quote::None || frame.quote == Quote::Double);
}

size_t ShellContext::consume(std::string_view text, size_t i) {
  if (m_in_body) {
    return consume_heredoc_line(text, i);
  }
  if (m_in_heredoc_word) {
    if (size_t used = consume_heredoc_word(text, i)) {
      return used;
    }
  }
  if (m_in_comment) {
    if (text[i] == '\n') {
      m_in_comment = false;
      m_word_start = true;
      end_of_line(i + 1);
    }
    return 1;
  }
  Frame& frame = m_frames.back();
  if (frame.escape) {
    frame.escape = false;
    m_word_start = false;
    return 1;
  }
  return frame.quote == Quote::None ? consume_unquoted(frame, text, i)
                                    : consume_quoted(frame, text, i);
}

// Inside '...', "..." or $'...'. `frame` is m_frames.back(); pushing a frame invalidates it.
size_t ShellContext::consume_quoted(Frame& frame, std::string_view text, size_t i) {
  char c = text[i];
  char next = i + 1 < text.size() ? text[i + 1] : '\0';
  m_word_start = false;
  switch (frame.quote) {
    case Quote::Single:
    case Quote::DollarSingle:
      if (c == '\\' && frame.quote == Quote::DollarSingle) {
        return next ? 2 : 1;
      }
      if (c == '\'') {
        frame.quote = Quote::None;
      }
      return 1;
    case Quote::Double:
      if (c == '\\') {
        frame.escape = true;
      } else if (c == '"') {
        frame.quote = Quote::None;
      } else if (c == '$' && next == '(') {
        bool arithmetic = i + 2 < text.size() && text[i + 2] == '(';
        m_frames.push_back({arithmetic ? Kind::Arithmetic : Kind::Subshell});
        m_word_start = !arithmetic;
        return arithmetic ? 3 : 2;
      } else if (c == '$' && next == '{') {
        m_frames.push_back({Kind::Brace});
        return 2;
      }
      return 1;
    case Quote::None:
      break;
  }
  return 1;
}

// Outside quotes. `frame` is m_frames.back(); pushing or popping a frame invalidates it.
size_t ShellContext::consume_unquoted(Frame& frame, std::string_view text, size_t i) {
  char c = text[i];
  char next = i + 1 < text.size() ? text[i + 1] : '\0';
  bool word_start = m_word_start;
  bool command_level = frame.kind == Kind::Top || frame.kind == Kind::Subshell;
  m_word_start = false;
  if (c == '\\') {
    frame.escape = true;
  } else if (c == '\'' || c == '"') {
    frame.quote = c == '"' ? Quote::Double : Quote::Single;
  } else if (c == '#' && word_start && command_level) {
    m_in_comment = true;
  } else if (c == '$' && next == '\'') {
    frame.quote = Quote::DollarSingle;
    return 2;
  } else if (c == '$' && (next == '(' || next == '{')) {
    bool arithmetic = next == '(' && i + 2 < text.size() && text[i + 2] == '(';
    Kind kind = next == '{' ? Kind::Brace : arithmetic ? Kind::Arithmetic : Kind::Subshell;
    m_frames.push_back({kind});
    m_word_start = kind == Kind::Subshell;
    return arithmetic ? 3 : 2;
  } else if (c == '<' && next == '<' && command_level) {
    bool strip_tabs = i + 2 < text.size() && text[i + 2] == '-';
    m_in_heredoc_word = true;
    m_heredoc_word_quote = 0;
    m_word = Heredoc{"", strip_tabs};
    return strip_tabs ? 3 : 2;
  } else if (c == '(') {
    ++frame.parens;
    m_word_start = true;
  } else if (c == ')') {
    if (frame.parens > 0) {
      --frame.parens;
    } else if (frame.kind == Kind::Arithmetic && next == ')') {
      m_frames.pop_back();
      return 2;
    } else if (frame.kind == Kind::Subshell) {
      m_frames.pop_back();
    }
    m_word_start = true;
  } else if (c == '}' && frame.kind == Kind::Brace) {
    m_frames.pop_back();
  } else if (c == '\n' && command_level) {
    m_word_start = true;
    end_of_line(i + 1);
  } else if (ends_word(c)) {
    m_word_start = true;
  }
  return 1;
}

// The word after << or <<-: its text without quotes. Returns 0 when the word ended before
// text[i], which is then read as ordinary shell text.
size_t ShellContext::consume_heredoc_word(std::string_view text, size_t i) {
  char c = text[i];
  if (m_heredoc_word_quote) {
    if (c == m_heredoc_word_quote) {
      m_heredoc_word_quote = 0;
    } else if (c == '\\' && m_heredoc_word_quote == '"' && i + 1 < text.size()) {
      m_word.word += text[i + 1];
      return 2;
    } else {
      m_word.word += c;
    }
    return 1;
  }
  if (m_word.word.empty() && (c == ' ' || c == '\t')) {
    return 1;
  }
  if (c == '\'' || c == '"') {
    m_heredoc_word_quote = c;
    return 1;
  }
  if (c == '\\') {
    if (i + 1 < text.size()) {
      m_word.word += text[i + 1];
      return 2;
    }
    return 1;
  }
  if (ends_word(c)) {
    m_in_heredoc_word = false;
    m_pending.push_back(m_word);
    return 0;
  }
  m_word.word += c;
  return 1;
}

// One step through here-document text: a whole line when it is the closing word, else a
// character.
size_t ShellContext::consume_heredoc_line(std::string_view text, size_t i) {
  if (i == m_body_line_start) {
    size_t newline = text.find('\n', i);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(i, end - i);
    const Heredoc& heredoc = m_pending.front();
    while (heredoc.strip_tabs && line.starts_with('\t')) {
      line.remove_prefix(1);
    }
    if (line == heredoc.word) {
      size_t used = (newline == std::string_view::npos ? end : newline + 1) - i;
      m_pending.erase(m_pending.begin());
      m_in_body = !m_pending.empty();
      m_body_line_start = i + used;
      m_word_start = true;
      return used;
    }
  }
  if (text[i] == '\n') {
    m_body_line_start = i + 1;
  }
  return 1;
}

void ShellContext::end_of_line(size_t next) {
  if (!m_pending.empty()) {
    m_in_body = true;
    m_body_line_start = next;
  }
}

std::string ShellContext::unterminated() const {
  if (m_in_heredoc_word || !m_pending.empty()) {
    const std::string& word = m_in_heredoc_word ? m_word.word : m_pending.front().word;
    return fmt::format("the here-document <<{} is never closed by a line '{}'", word, word);
  }
  if (m_frames.size() != 1 || m_frames.back().quote != Quote::None) {
    return "the command has an unterminated quote, $( or backtick; /bin/sh would reject it";
  }
  return "";
}

}  // namespace mlops
