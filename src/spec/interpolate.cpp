#include "spec/interpolate.hpp"

#include <cctype>

#include <fmt/format.h>

#include "util/shell_quote.hpp"

namespace mlops {
namespace {

bool is_identifier_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return is_identifier_char(c) || c == '.' || c == '-';
}

// Where a `${` at `start` is one of our references: the index of its namespace's end ('.'), or
// npos when it is shell syntax to leave alone.
size_t reference_dot(std::string_view text, size_t start) {
  size_t i = start + 2;
  if (i >= text.size() || !is_identifier_start(text[i])) {
    return std::string_view::npos;
  }
  while (i < text.size() && is_identifier_char(text[i])) {
    ++i;
  }
  return i < text.size() && text[i] == '.' ? i : std::string_view::npos;
}

// Tracks the quoting context of a /bin/sh command as it is scanned left to right, so a value
// can be quoted for where it lands. It knows '...', "...", backslash escapes, $(...), backticks
// and # comments: enough for the one-line and short multi-line commands pipelines hold.
class ShellContext {
 public:
  enum class Quote { None, Single, Double };

  Quote quote() const { return m_frames.back().quote; }
  bool after_backslash() const { return m_frames.back().escape; }
  bool balanced() const { return m_frames.size() == 1 && m_frames.back().quote == Quote::None; }

  // Consumes text[i] (and possibly text[i+1]); returns how many characters it consumed.
  size_t consume(std::string_view text, size_t i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    Frame& frame = m_frames.back();
    if (m_in_comment) {
      if (c == '\n') {
        m_in_comment = false;
      }
      return 1;
    }
    if (frame.escape) {
      frame.escape = false;
      return 1;
    }
    switch (frame.quote) {
      case Quote::Single:
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
          m_frames.push_back({Kind::Subshell});
          return 2;
        } else if (c == '`') {
          m_frames.push_back({Kind::Backtick});
        }
        return 1;
      case Quote::None:
        break;
    }
    bool word_start = i == 0 || std::isspace(static_cast<unsigned char>(text[i - 1])) ||
                      text[i - 1] == ';' || text[i - 1] == '&' || text[i - 1] == '|' ||
                      text[i - 1] == '(';
    if (c == '\\') {
      frame.escape = true;
    } else if (c == '\'') {
      frame.quote = Quote::Single;
    } else if (c == '"') {
      frame.quote = Quote::Double;
    } else if (c == '#' && word_start) {
      m_in_comment = true;
    } else if (c == '$' && next == '(') {
      m_frames.push_back({Kind::Subshell});
      return 2;
    } else if (c == '`') {
      if (frame.kind == Kind::Backtick) {
        m_frames.pop_back();
      } else {
        m_frames.push_back({Kind::Backtick});
      }
    } else if (c == '(') {
      ++frame.parens;
    } else if (c == ')') {
      if (frame.parens > 0) {
        --frame.parens;
      } else if (frame.kind == Kind::Subshell) {
        m_frames.pop_back();
      }
    }
    return 1;
  }

 private:
  enum class Kind { Top, Subshell, Backtick };
  struct Frame {
    Kind kind = Kind::Top;
    Quote quote = Quote::None;
    int parens = 0;
    bool escape = false;
  };
  std::vector<Frame> m_frames{Frame{}};
  bool m_in_comment = false;
};

std::string quote_for(ShellContext::Quote quote, std::string_view value) {
  switch (quote) {
    case ShellContext::Quote::Single:
      return escape_in_single_quotes(value);
    case ShellContext::Quote::Double:
      return escape_in_double_quotes(value);
    case ShellContext::Quote::None:
      return shell_quote(value);
  }
  return shell_quote(value);
}

}  // namespace

std::string expand_references(std::string_view text, QuoteMode mode, const ReferenceLookup& lookup,
                              std::vector<TemplateError>& errors) {
  std::string out;
  out.reserve(text.size());
  ShellContext shell;
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 3) == "$${") {
      out += "${";
      i += 3;
      continue;
    }
    size_t dot = text.substr(i, 2) == "${" ? reference_dot(text, i) : std::string_view::npos;
    if (dot == std::string_view::npos) {
      size_t used = mode == QuoteMode::Shell ? shell.consume(text, i) : 1;
      out.append(text.substr(i, used));
      i += used;
      continue;
    }
    size_t end = dot + 1;
    while (end < text.size() && is_name_char(text[end])) {
      ++end;
    }
    if (end >= text.size() || text[end] != '}' || end == dot + 1) {
      std::string_view shown = text.substr(i, std::min<size_t>(end + 1, text.size()) - i);
      errors.push_back({std::string(shown),
                        fmt::format("malformed reference '{}': write ${{namespace.name}}, or $${{ "
                                    "for a literal ${{",
                                    shown)});
      out.append(text.substr(i, 2));
      i += 2;
      continue;
    }
    Reference reference{std::string(text.substr(i + 2, dot - i - 2)),
                        std::string(text.substr(dot + 1, end - dot - 1)),
                        std::string(text.substr(i, end - i + 1))};
    i = end + 1;
    if (mode == QuoteMode::Shell && shell.after_backslash()) {
      errors.push_back({reference.text, fmt::format("'{}' follows a backslash; remove the "
                                                    "backslash (the value is quoted for you)",
                                                    reference.text)});
      continue;
    }
    std::string message;
    std::optional<std::string> value = lookup(reference, message);
    if (!value) {
      errors.push_back({reference.text, message});
      continue;
    }
    out += mode == QuoteMode::Shell ? quote_for(shell.quote(), *value) : *value;
  }
  if (mode == QuoteMode::Shell && !shell.balanced()) {
    errors.push_back({"",
                      "the command has an unterminated quote, $( or backtick; /bin/sh would "
                      "reject it"});
  }
  return out;
}

std::vector<Reference> find_references(std::string_view text) {
  std::vector<Reference> found;
  std::vector<TemplateError> ignored;
  expand_references(
      text, QuoteMode::Raw,
      [&](const Reference& reference, std::string&) -> std::optional<std::string> {
        found.push_back(reference);
        return std::string();
      },
      ignored);
  return found;
}

}  // namespace mlops
