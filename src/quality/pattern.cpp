#include "quality/pattern.hpp"

#include <re2/re2.h>

#include <array>
#include <cstdint>

#include <fmt/format.h>

namespace mlops {

namespace {

// Character classes as bits of one table lookup per byte: the built-ins test each byte once.
enum CharClass : uint8_t {
  k_digit = 1,
  k_alpha = 2,
  k_hex = 4,
  k_local = 8,    // RFC 5322 atext and '.': the local part of an address
  k_label = 16,   // letters, digits and '-': a domain label
  k_url_ok = 32,  // allowed in a URL's path, query and fragment (and user info)
};

constexpr std::array<uint8_t, 256> make_char_classes() {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    uint8_t bits = 0;
    bool digit = c >= '0' && c <= '9';
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (digit)
      bits |= k_digit;
    if (alpha)
      bits |= k_alpha;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
      bits |= k_hex;
    if (digit || alpha ||
        std::string_view("!#$%&'*+/=?^_`{|}~.-").find(static_cast<char>(c)) !=
            std::string_view::npos) {
      bits |= k_local;
    }
    if (digit || alpha || c == '-')
      bits |= k_label;
    if (c > 0x20 && c != 0x7f &&
        std::string_view("<>\"{}|\\^`").find(static_cast<char>(c)) == std::string_view::npos) {
      bits |= k_url_ok;
    }
    table[static_cast<size_t>(c)] = bits;
  }
  return table;
}

constexpr std::array<uint8_t, 256> k_char_classes = make_char_classes();

bool has(char c, uint8_t bits) {
  return (k_char_classes[static_cast<unsigned char>(c)] & bits) != 0;
}
bool is_digit(char c) {
  return has(c, k_digit);
}
bool is_alpha(char c) {
  return has(c, k_alpha);
}
bool is_hex(char c) {
  return has(c, k_hex);
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!has(c, k_label))
      return false;
  }
  return true;
}

// Dot-separated labels; for email at least two, the last of letters only.
bool valid_domain(std::string_view domain, bool email) {
  if (domain.empty() || domain.size() > 253)
    return false;
  size_t labels = 0;
  std::string_view last;
  size_t start = 0;
  while (true) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!valid_label(label))
      return false;
    ++labels;
    last = label;
    if (dot == std::string_view::npos)
      break;
    start = dot + 1;
  }
  if (!email)
    return true;
  if (labels < 2 || last.size() < 2)
    return false;
  for (char c : last) {
    if (!is_alpha(c))
      return false;
  }
  return true;
}

bool valid_ipv6_literal(std::string_view text) {
  if (text.size() < 2 || text.size() > 45)
    return false;
  int colons = 0;
  for (char c : text) {
    if (c == ':') {
      ++colons;
    } else if (!is_hex(c) && c != '.') {
      return false;
    }
  }
  return colons >= 2;
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5)
    return false;
  unsigned value = 0;
  for (char c : port) {
    if (!is_digit(c))
      return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

bool valid_url_rest(std::string_view rest) {
  for (char c : rest) {
    if (!has(c, k_url_ok))
      return false;
  }
  return true;
}

bool valid_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return valid_ipv6_literal(host.substr(1, host.size() - 2));
  }
  return matches_ipv4(host) || valid_domain(host, false);
}

// "scheme://": the length of the prefix when it is http, https or ftp, else 0.
size_t url_scheme_length(std::string_view value) {
  for (std::string_view scheme : {"https://", "http://", "ftp://"}) {
    if (value.size() < scheme.size())
      continue;
    bool same = true;
    for (size_t i = 0; i < scheme.size() && same; ++i) {
      char c = value[i];
      if (c >= 'A' && c <= 'Z')
        c = static_cast<char>(c - 'A' + 'a');
      same = c == scheme[i];
    }
    if (same)
      return scheme.size();
  }
  return 0;
}

}  // namespace

const std::vector<std::string>& builtin_pattern_names() {
  static const std::vector<std::string> names = {"email", "url", "credit_card", "ipv4", "uuid"};
  return names;
}

bool matches_email(std::string_view value) {
  if (value.size() > 254)
    return false;
  size_t at = value.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64)
    return false;
  std::string_view local = value.substr(0, at);
  if (local.front() == '.' || local.back() == '.')
    return false;
  char previous = 0;
  for (char c : local) {
    if (!has(c, k_local) || (c == '.' && previous == '.'))
      return false;
    previous = c;
  }
  return valid_domain(value.substr(at + 1), true);
}

bool matches_url(std::string_view value) {
  size_t scheme = url_scheme_length(value);
  if (scheme == 0)
    return false;
  std::string_view rest = value.substr(scheme);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view user = authority.substr(0, at);
    if (user.empty() || !valid_url_rest(user))
      return false;
    authority = authority.substr(at + 1);
  }
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    if (!valid_port(authority.substr(colon + 1)))
      return false;
    authority = authority.substr(0, colon);
  }
  return valid_host(authority) && valid_url_rest(tail);
}

bool luhn_valid(std::string_view digits) {
  if (digits.empty())
    return false;
  unsigned sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!is_digit(digits[i]))
      return false;
    unsigned d = static_cast<unsigned>(digits[i] - '0');
    if (twice) {
      d *= 2;
      if (d > 9)
        d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool matches_credit_card(std::string_view value) {
  char digits[19];
  size_t count = 0;
  char previous = 0;
  for (char c : value) {
    if (is_digit(c)) {
      if (count == sizeof digits)
        return false;
      digits[count++] = c;
    } else if (c == ' ' || c == '-') {
      if (!is_digit(previous))
        return false;  // leading or doubled separator
    } else {
      return false;
    }
    previous = c;
  }
  if (!is_digit(previous) || count < 13)
    return false;
  return luhn_valid(std::string_view(digits, count));
}

bool matches_ipv4(std::string_view value) {
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= value.size() || value[i] != '.')
        return false;
      ++i;
    }
    size_t start = i;
    unsigned number = 0;
    while (i < value.size() && is_digit(value[i]) && i - start < 3) {
      number = number * 10 + static_cast<unsigned>(value[i] - '0');
      ++i;
    }
    size_t length = i - start;
    if (length == 0 || number > 255 || (length > 1 && value[start] == '0'))
      return false;
  }
  return i == value.size();
}

bool matches_uuid(std::string_view value) {
  if (value.size() != 36 || value[8] != '-' || value[13] != '-' || value[18] != '-' ||
      value[23] != '-') {
    return false;
  }
  // Every byte but the four dashes is a hex digit: one AND per byte, no early exit to mispredict.
  uint8_t all = k_hex;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    all &= static_cast<uint8_t>(k_char_classes[static_cast<unsigned char>(value[i])] |
                                (dash ? k_hex : 0));
  }
  return all == k_hex;
}

// ---- ValuePattern -----------------------------------------------------------------------------

struct ValuePattern::Regex {
  re2::RE2 re;
  Regex(std::string_view text, const re2::RE2::Options& options)
      : re(re2::StringPiece(text.data(), text.size()), options) {}
};

Result<ValuePattern> ValuePattern::compile(std::string_view text) {
  ValuePattern pattern;
  pattern.m_text = std::string(text);
  static constexpr std::pair<std::string_view, BuiltinPattern> k_builtins[] = {
      {"email", BuiltinPattern::Email},
      {"url", BuiltinPattern::Url},
      {"credit_card", BuiltinPattern::CreditCard},
      {"ipv4", BuiltinPattern::Ipv4},
      {"uuid", BuiltinPattern::Uuid}};
  for (const auto& [name, builtin] : k_builtins) {
    if (text == name) {
      pattern.m_builtin = builtin;
      return pattern;
    }
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const Regex>(text, options);
  if (!regex->re.ok()) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("not a valid RE2 regular expression: {}", regex->re.error()));
  }
  pattern.m_regex = std::move(regex);
  return pattern;
}

bool ValuePattern::matches(std::string_view value) const {
  switch (m_builtin) {
    case BuiltinPattern::Email:
      return matches_email(value);
    case BuiltinPattern::Url:
      return matches_url(value);
    case BuiltinPattern::CreditCard:
      return matches_credit_card(value);
    case BuiltinPattern::Ipv4:
      return matches_ipv4(value);
    case BuiltinPattern::Uuid:
      return matches_uuid(value);
    case BuiltinPattern::None:
      break;
  }
  return m_regex && re2::RE2::FullMatch(re2::StringPiece(value.data(), value.size()), m_regex->re);
}

}  // namespace mlops
