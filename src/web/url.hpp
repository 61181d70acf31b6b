// Request targets as the UI server reads them: the path split into percent-decoded segments, and
// the query string decoded into pairs. Anything that could name a file outside what the server
// generates ("..", ".", an encoded '/' or '\', NUL or control bytes, an absolute URL) is refused
// here, before any route sees it; routes then match whole segments only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlops::web {

struct Target {
  std::vector<std::string> segments;  // "/" -> {}, "/runs/a b" -> {"runs", "a b"}
  std::multimap<std::string, std::string> query;
};

// Nothing when `target` is not an origin-form path ("/..."), has a bad percent escape, or has a
// segment that is empty (except a lone "/"), "." or "..", or that decodes to '/', '\', NUL or
// another control character.
std::optional<Target> parse_target(const std::string& target);

// Percent-decodes `text` ('+' as a space when `plus_is_space`); nothing on a bad escape.
std::optional<std::string> percent_decode(const std::string& text, bool plus_is_space);

// Percent-encodes everything but unreserved characters (RFC 3986), for a path segment or a query
// value.
std::string percent_encode(const std::string& text);

}  // namespace mlops::web
