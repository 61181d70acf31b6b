// Checks on a pipeline file's raw text that run before yaml-cpp sees it, so that a hostile or
// broken file is refused with a FILE:LINE:COL error instead of exhausting memory or being
// misread.
//
// yaml-cpp's scanner queues every token of a flow collection that could still turn out to be a
// mapping key, so an 8 MiB file of `[` costs about 2 GB before its own depth guard (1,000 levels)
// can act. The checks here are on bytes, not on YAML syntax, so that no quoting or block scalar
// can hide what they count:
// - the text must be valid UTF-8 (YAML requires it; names and paths end up in JSON);
// - brackets `[` `{` may not nest deeper than k_max_yaml_nesting, counting every bracket in the
//   file, inside strings too, and each `]` `}` closing one (never below zero);
// - the file may hold at most k_max_yaml_nodes opening brackets in all. Closing brackets inside
//   quotes could hide nesting from the depth count; this bound holds whatever they do.
// The node limit also caps the tree that parse_yaml builds, and the scanner may not read more
// than k_max_yaml_lookahead bytes ahead of the last value it delivered (see yaml_tree.cpp):
// together they keep any file under k_max_yaml_bytes well under 200 MB of memory.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "spec/diagnostic.hpp"

namespace mlops {

inline constexpr size_t k_max_yaml_bytes = 8 * 1024 * 1024;
inline constexpr int k_max_yaml_nesting = 64;
inline constexpr size_t k_max_yaml_nodes = 200'000;
// How far yaml-cpp's scanner may read past the last value it delivered (see yaml_tree.cpp).
inline constexpr size_t k_max_yaml_lookahead = 2 * 1024 * 1024;

// Reports the first violation of the limits above to `diagnostics` and returns false, or returns
// true when the text may be handed to the YAML parser.
bool check_yaml_input_limits(std::string_view text, Diagnostics& diagnostics);

// For a quoted scalar whose opening quote (' or ") is at text[open]: the offset of its closing
// quote, or nothing when the text ends first. Double-quoted scalars escape with a backslash,
// single-quoted ones by doubling the quote.
std::optional<size_t> quoted_scalar_end(std::string_view text, size_t open);

// The 1-based line and column of `offset` in `text`.
SourceMark mark_of_offset(std::string_view text, size_t offset);

// The offset of a 1-based line and column in `text` (clamped to its end).
size_t offset_of_mark(std::string_view text, SourceMark mark);

// offset_of_mark for many marks of one text: the line starts are found once, so a file's every
// scalar costs O(1) instead of a scan from the top (quadratic in the file's length).
class LineOffsets {
 public:
  explicit LineOffsets(std::string_view text);
  size_t offset_of(SourceMark mark) const;

 private:
  size_t m_size;
  std::vector<size_t> m_starts;  // m_starts[i]: the offset of line i + 1
};

}  // namespace mlops
