#include "util/shell_quote.hpp"

#include <cctype>

namespace mlops {

bool is_shell_safe(std::string_view value) {
  if (value.empty()) {
    return false;
  }
  for (char c : value) {
    bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' ||
                c == ':' || c == '=' || c == '+' || c == ',' || c == '@' || c == '%' || c == '-';
    if (!safe) {
      return false;
    }
  }
  // A leading '=' or '-' is harmless to the shell; a leading '~' would not be, and is excluded
  // above. '=' after a word start could make "a=b" an assignment only at the very start of a
  // command, which an interpolated argument never is.
  return true;
}

std::string shell_quote(std::string_view value) {
  if (is_shell_safe(value)) {
    return std::string(value);
  }
  return "'" + escape_in_single_quotes(value) + "'";
}

std::string escape_in_double_quotes(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '$' || c == '`' || c == '"') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string escape_in_single_quotes(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace mlops
