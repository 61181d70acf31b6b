#include "spec/interpolate.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "spec/shell_context.hpp"
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
  return is_identifier_char(c) || c == '.' || c == '-' || c == '@';
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

std::string quote_for(ShellPlace place, std::string_view value) {
  switch (place) {
    case ShellPlace::SingleQuoted:
      return escape_in_single_quotes(value);
    case ShellPlace::DoubleQuoted:
      return escape_in_double_quotes(value);
    case ShellPlace::Comment: {
      // A line break would end the comment and run the rest of the value.
      std::string flat(value);
      std::replace(flat.begin(), flat.end(), '\n', ' ');
      return shell_quote(flat);
    }
    default:
      return shell_quote(value);
  }
}

// The environment variable that carries a reference's value into every stage, or "".
std::string variable_for(const Reference& reference) {
  if (reference.space == "params") {
    return param_env_name(reference.name);
  }
  if (reference.space == "run" && reference.name == "id") {
    return "MLOPS_RUN_ID";
  }
  if (reference.space == "stage" && reference.name == "name") {
    return "MLOPS_STAGE";
  }
  if (reference.space == "pipeline" && reference.name == "name") {
    return "MLOPS_PIPELINE";
  }
  return "";
}

std::string refusal(const Reference& reference, ShellPlace place) {
  const char* where = "";
  switch (place) {
    case ShellPlace::HeredocBody:
      where =
          "is in a here-document, where no quoting protects a value and a line of it could "
          "end the document";
      break;
    case ShellPlace::HeredocWord:
      where = "is in the word after <<";
      break;
    case ShellPlace::Arithmetic:
      where = "is inside $((...)), where a value is evaluated as code";
      break;
    case ShellPlace::ParameterExpansion:
      where = "is inside ${...}, where shells disagree on quoting";
      break;
    default:
      where = "is inside $'...', where backslashes are escapes in some shells";
      break;
  }
  std::string variable = variable_for(reference);
  if (variable.empty()) {
    return fmt::format(
        "'{}' {}; set a variable to it under the stage's 'env' and use \"$NAME\" "
        "there instead",
        reference.text, where);
  }
  if (place == ShellPlace::Arithmetic) {
    return fmt::format("'{}' {}; write {} there instead", reference.text, where, variable);
  }
  if (place == ShellPlace::HeredocBody) {
    return fmt::format("'{}' {}; write ${} there instead, with an unquoted word (<<EOF)",
                       reference.text, where, variable);
  }
  return fmt::format("'{}' {}; write \"${}\" instead", reference.text, where, variable);
}

// A backquoted command's text as the shell runs it: \\ \` \$ (and \" inside "...") lose their
// backslash.
std::string unescape_backquoted(std::string_view raw, bool double_quoted) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    char next = i + 1 < raw.size() ? raw[i + 1] : '\0';
    if (raw[i] == '\\' &&
        (next == '\\' || next == '`' || next == '$' || (double_quoted && next == '"'))) {
      ++i;
    }
    out += raw[i];
  }
  return out;
}

// The inverse: text to place between backquotes so that the shell runs exactly `command`.
std::string escape_for_backquotes(std::string_view command) {
  std::string out;
  for (char c : command) {
    if (c == '\\' || c == '`' || c == '$') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// Expands one command (or, in QuoteMode::Raw, one value). A backquoted command holding
// references is expanded as a command of its own and escaped back into its backquotes.
class Expansion {
 public:
  Expansion(QuoteMode mode, const ReferenceLookup& lookup, std::vector<TemplateError>& errors)
      : m_mode(mode), m_lookup(lookup), m_errors(errors) {}

  std::string expand(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    ShellContext shell;
    bool quoting = m_mode == QuoteMode::Shell;
    size_t i = 0;
    while (i < text.size()) {
      if (text.substr(i, 3) == "$${") {
        // A literal "${" is still shell text: the scanner reads it (and whatever token it
        // starts) as written.
        out += "${";
        size_t j = quoting ? i + 1 : i + 3;
        while (j < i + 3) {
          j += shell.consume(text, j);
        }
        out.append(text.substr(i + 3, j - (i + 3)));
        i = j;
        continue;
      }
      size_t dot = text.substr(i, 2) == "${" ? reference_dot(text, i) : std::string_view::npos;
      if (dot != std::string_view::npos) {
        i = reference(text, i, dot, quoting ? &shell : nullptr, out);
      } else if (quoting && shell.opens_backquote(text, i)) {
        i = backquoted(text, i, shell, out);
      } else {
        size_t used = quoting ? shell.consume(text, i) : 1;
        out.append(text.substr(i, used));
        i += used;
      }
    }
    if (quoting && !shell.unterminated().empty()) {
      m_errors.push_back({"", shell.unterminated()});
    }
    return out;
  }

 private:
  // The reference at text[start] (its namespace ends at `dot`); returns where it ends.
  size_t reference(std::string_view text, size_t start, size_t dot, ShellContext* shell,
                   std::string& out) {
    size_t end = dot + 1;
    while (end < text.size() && is_name_char(text[end])) {
      ++end;
    }
    if (end >= text.size() || text[end] != '}' || end == dot + 1) {
      std::string_view shown = text.substr(start, std::min<size_t>(end + 1, text.size()) - start);
      m_errors.push_back({std::string(shown),
                          fmt::format("malformed reference '{}': write ${{namespace.name}}, or "
                                      "$${{ for a literal ${{",
                                      shown)});
      out.append(text.substr(start, 2));
      return start + 2;
    }
    Reference reference{std::string(text.substr(start + 2, dot - start - 2)),
                        std::string(text.substr(dot + 1, end - dot - 1)),
                        std::string(text.substr(start, end - start + 1))};
    if (shell && shell->after_backslash()) {
      m_errors.push_back({reference.text, fmt::format("'{}' follows a backslash; remove the "
                                                      "backslash (the value is quoted for you)",
                                                      reference.text)});
      return end + 1;
    }
    if (shell && is_refused(shell->place())) {
      m_errors.push_back({reference.text, refusal(reference, shell->place())});
      return end + 1;
    }
    std::string message;
    std::optional<std::string> value = m_lookup(reference, message);
    if (!value) {
      m_errors.push_back({reference.text, message});
    } else if (shell) {
      out += quote_for(shell->place(), *value);
      shell->note_word_text();
    } else {
      out += *value;
    }
    return end + 1;
  }

  // The backquoted command starting at text[start]; returns where it ends.
  size_t backquoted(std::string_view text, size_t start, ShellContext& shell, std::string& out) {
    size_t end = start + 1;
    while (end < text.size() && text[end] != '`') {
      end += text[end] == '\\' ? 2 : 1;
    }
    if (end >= text.size()) {
      m_errors.push_back(
          {"", "the command has an unterminated quote, $( or backtick; /bin/sh would reject it"});
      out.append(text.substr(start));
      return text.size();
    }
    std::string_view raw = text.substr(start + 1, end - start - 1);
    if (raw.find("${") == std::string_view::npos) {
      out.append(text.substr(start, end - start + 1));
    } else {
      std::string command = unescape_backquoted(raw, shell.double_quoted());
      out +=
          '`' + escape_for_backquotes(Expansion(m_mode, m_lookup, m_errors).expand(command)) + '`';
    }
    shell.note_word_text();
    return end + 1;
  }

  QuoteMode m_mode;
  const ReferenceLookup& m_lookup;
  std::vector<TemplateError>& m_errors;
};

}  // namespace

std::string param_env_name(std::string_view name) {
  std::string out = "MLOPS_PARAM_";
  for (char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
               : '_';
  }
  return out;
}

std::string expand_references(std::string_view text, QuoteMode mode, const ReferenceLookup& lookup,
                              std::vector<TemplateError>& errors) {
  return Expansion(mode, lookup, errors).expand(text);
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
