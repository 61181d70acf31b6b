// Value patterns of `pattern:` checks: the built-in formats, matched by hand-written code (one
// pass over the bytes, no allocation), and custom regular expressions, matched with RE2 (linear
// time whatever the input; never std::regex). RE2 appears only in pattern.cpp.
//
// The built-ins (docs/data-quality.md, "Patterns"):
// - email: LOCAL@DOMAIN; LOCAL is 1-64 of A-Z a-z 0-9 and !#$%&'*+/=?^_`{|}~.- without a leading,
//   trailing or double dot; DOMAIN is two or more dot-separated labels of letters, digits and
//   hyphens (1-63 each, no hyphen at either end), the last one letters only (2+); at most 254
//   characters in all.
// - url: http, https or ftp (any case), "://", an optional USER[:PASSWORD]@, a host (a domain
//   name as for email but one label is enough, an IPv4 address, or [an IPv6 address]), an
//   optional :PORT (1-65535), then an optional path, query and fragment without spaces, control
//   characters or any of <>"{}|\^`.
// - credit_card: 13 to 19 digits, in groups optionally separated by single spaces or hyphens,
//   whose Luhn checksum is valid.
// - ipv4: four decimal numbers 0-255 separated by dots, without leading zeros.
// - uuid: 8-4-4-4-12 hexadecimal digits (either case), any version.
// Anything else is an RE2 regular expression that must match the whole value.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

enum class BuiltinPattern { None, Email, Url, CreditCard, Ipv4, Uuid };

// The built-in names: email, url, credit_card, ipv4, uuid.
const std::vector<std::string>& builtin_pattern_names();

bool matches_email(std::string_view value);
bool matches_url(std::string_view value);
bool matches_credit_card(std::string_view value);
bool matches_ipv4(std::string_view value);
bool matches_uuid(std::string_view value);
bool luhn_valid(std::string_view digits);  // digits only

class ValuePattern {
 public:
  // A built-in name, or else an RE2 regex. InvalidSpec with RE2's reason when the regex does not
  // compile ("missing ): (ab").
  static Result<ValuePattern> compile(std::string_view text);

  // Whether the whole of `value` matches. Thread-safe (RE2 objects are).
  bool matches(std::string_view value) const;

  BuiltinPattern builtin() const { return m_builtin; }
  const std::string& text() const { return m_text; }

 private:
  struct Regex;  // RE2, behind pattern.cpp
  std::string m_text;
  BuiltinPattern m_builtin = BuiltinPattern::None;
  std::shared_ptr<const Regex> m_regex;
};

}  // namespace mlops
