// Quoting values for /bin/sh, so an interpolated value is always one literal word.
#pragma once

#include <string>
#include <string_view>

namespace mlops {

// True when `value` needs no quoting at all in an unquoted shell context (letters, digits and
// _ . / : = + , @ % -), so common values such as 0.1 or data/x.csv stay readable in commands.
bool is_shell_safe(std::string_view value);

// `value` as one shell word: unchanged when safe, else in single quotes with each ' written as
// '\''. An empty value becomes ''.
std::string shell_quote(std::string_view value);

// `value` to be placed between double quotes: \ $ ` and " are backslash-escaped.
std::string escape_in_double_quotes(std::string_view value);

// `value` to be placed between single quotes: each ' closes the quote, adds \' and reopens.
std::string escape_in_single_quotes(std::string_view value);

}  // namespace mlops
