// Path globs for trigger paths: "data/raw/**/*.csv", "src/train/**", "pipelines/*.yaml".
//
// A pattern is workspace-relative and matched against whole '/'-separated relative paths:
//   *      any characters within one path segment (not '/')
//   ?      one character (not '/')
//   [a-z]  a character class; [!...] or [^...] negates it
//   **     as a whole segment: zero or more segments ("src/**" matches src/a and src/a/b/c)
//   \x     the character x itself
// A pattern without wildcards names a file or a directory, and matches everything below it too
// ("data/raw" matches data/raw/a.csv), as in .gitignore.
// As in git's wildmatch and most shells, * and ? do not match a leading '.' of a segment unless
// the pattern segment starts with '.' too, so "data/**" does not pick up editor swap files such
// as data/.x.csv.swp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

class Glob {
 public:
  // InvalidSpec, saying what is wrong: an empty pattern, an absolute path, "..", an unclosed
  // '[', a trailing '\', or "**" inside a segment ("a**b").
  static Result<Glob> parse(std::string_view pattern);

  bool matches(std::string_view relative_path) const;

  // The directory below which every match lies: the leading segments without wildcards
  // ("data/raw" for "data/raw/**/*.csv", "." for "*.csv"); where a file walk starts.
  const std::string& base() const { return m_base; }
  const std::string& text() const { return m_text; }
  // Whether matches may lie any number of directories below base() ("**", or a literal path).
  bool any_depth() const;
  // How many directory levels below base() a match lies, when !any_depth().
  size_t depth_below_base() const;

 private:
  bool match_from(size_t segment, const std::vector<std::string_view>& parts, size_t part) const;

  std::string m_text;
  std::string m_base;
  std::vector<std::string> m_segments;
  bool m_literal = false;
};

// Matches one segment pattern (no '/') against one path segment.
bool glob_segment_matches(std::string_view pattern, std::string_view name);

}  // namespace mlops
