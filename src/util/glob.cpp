#include "util/glob.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {
namespace {

bool has_wildcard(std::string_view segment) {
  return segment.find_first_of("*?[\\") != std::string_view::npos;
}

// Checks one segment's syntax; empty when it is fine.
std::string segment_error(std::string_view segment) {
  if (segment.find("**") != std::string_view::npos && segment != "**") {
    return fmt::format("'**' must be a whole path segment, as in 'a/**/b' (not '{}')", segment);
  }
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '\\') {
      if (i + 1 == segment.size()) {
        return "a trailing '\\' escapes nothing";
      }
      ++i;
    } else if (segment[i] == '[') {
      size_t j = i + 1;
      if (j < segment.size() && (segment[j] == '!' || segment[j] == '^')) {
        ++j;
      }
      if (j < segment.size() && segment[j] == ']') {
        ++j;  // a leading ']' is a member
      }
      while (j < segment.size() && segment[j] != ']') {
        ++j;
      }
      if (j >= segment.size()) {
        return fmt::format("unclosed '[' in '{}' (write \\[ for a literal bracket)", segment);
      }
      i = j;
    }
  }
  return {};
}

// Matches a class starting at pattern[p] == '['; advances p past it.
bool class_matches(std::string_view pattern, size_t& p, char c) {
  size_t i = p + 1;
  bool negate = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
  if (negate) {
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    char low = pattern[i];
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      char high = pattern[i + 2];
      found = found || (c >= low && c <= high);
      i += 3;
    } else {
      found = found || c == low;
      ++i;
    }
  }
  p = i + 1;
  return found != negate;
}

}  // namespace

bool glob_segment_matches(std::string_view pattern, std::string_view name) {
  if (!name.empty() && name[0] == '.' && (pattern.empty() || pattern[0] != '.')) {
    if (pattern.empty() || pattern[0] == '*' || pattern[0] == '?' || pattern[0] == '[') {
      return false;
    }
  }
  // Iterative matching with one backtrack point for the last '*'.
  size_t p = 0;
  size_t n = 0;
  size_t star_p = std::string_view::npos;
  size_t star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      size_t next = p;
      bool ok;
      if (pattern[p] == '?') {
        ok = true;
        next = p + 1;
      } else if (pattern[p] == '[') {
        ok = class_matches(pattern, next, name[n]);
      } else if (pattern[p] == '\\' && p + 1 < pattern.size()) {
        ok = pattern[p + 1] == name[n];
        next = p + 2;
      } else {
        ok = pattern[p] == name[n];
        next = p + 1;
      }
      if (ok) {
        p = next;
        ++n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) {
      return false;
    }
    p = star_p;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

Result<Glob> Glob::parse(std::string_view pattern) {
  if (pattern.empty()) {
    return Error(ErrorKind::InvalidSpec, "the pattern is empty");
  }
  if (pattern[0] == '/') {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("'{}' is absolute; write it relative to the workspace", pattern));
  }
  Glob glob;
  glob.m_text = std::string(pattern);
  std::string_view trimmed = pattern;
  while (trimmed.size() > 1 && trimmed.back() == '/') {
    trimmed.remove_suffix(1);
  }
  std::vector<std::string> base;
  bool literal = true;
  for (const auto& segment : split(trimmed, '/')) {
    if (segment.empty() || segment == ".") {
      continue;
    }
    if (segment == "..") {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("'{}' leaves the workspace ('..'); trigger paths must lie inside it",
                               pattern));
    }
    if (std::string error = segment_error(segment); !error.empty()) {
      return Error(ErrorKind::InvalidSpec, fmt::format("bad pattern '{}': {}", pattern, error));
    }
    literal = literal && !has_wildcard(segment);
    if (literal) {
      base.push_back(segment);
    }
    glob.m_segments.push_back(segment);
  }
  if (glob.m_segments.empty()) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("'{}' names the workspace itself; name files or directories, such "
                             "as 'data/**'",
                             pattern));
  }
  glob.m_literal = literal;
  if (literal) {
    base.pop_back();  // a plain path: the walk starts in its directory
  }
  glob.m_base = base.empty() ? "." : join(base, "/");
  return glob;
}

bool Glob::match_from(size_t segment, const std::vector<std::string_view>& parts,
                      size_t part) const {
  if (segment == m_segments.size()) {
    return part == parts.size();
  }
  if (m_segments[segment] == "**") {
    for (size_t skip = part; skip <= parts.size(); ++skip) {
      if (skip > part && !parts[skip - 1].empty() && parts[skip - 1][0] == '.') {
        return false;  // ** does not descend into hidden directories
      }
      if (match_from(segment + 1, parts, skip)) {
        return true;
      }
    }
    return false;
  }
  if (part == parts.size()) {
    return false;
  }
  const std::string& pattern = m_segments[segment];
  bool ok =
      has_wildcard(pattern) ? glob_segment_matches(pattern, parts[part]) : pattern == parts[part];
  return ok && match_from(segment + 1, parts, part + 1);
}

bool Glob::any_depth() const {
  return m_literal || std::find(m_segments.begin(), m_segments.end(), "**") != m_segments.end();
}

size_t Glob::depth_below_base() const {
  size_t base_depth =
      m_base == "." ? 0 : static_cast<size_t>(std::count(m_base.begin(), m_base.end(), '/')) + 1;
  return m_segments.size() - base_depth;
}

bool Glob::matches(std::string_view relative_path) const {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= relative_path.size()) {
    size_t slash = relative_path.find('/', start);
    if (slash == std::string_view::npos) {
      slash = relative_path.size();
    }
    std::string_view part = relative_path.substr(start, slash - start);
    if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  if (m_literal && parts.size() > m_segments.size()) {
    parts.resize(m_segments.size());  // below the named file or directory
  }
  return match_from(0, parts, 0);
}

}  // namespace mlops
