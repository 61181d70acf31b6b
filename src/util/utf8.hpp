// UTF-8 validation. Names and paths in pipeline files must be valid UTF-8 so that every JSON
// document and report that carries them later can be written; text that is not checked (a
// stage's output, rows read back from the store) is repaired where it is written instead.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace mlops {

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at text[i], or 0 when the
// bytes there are not one: a stray continuation byte, a truncated sequence, an overlong
// encoding, a UTF-16 surrogate (U+D800..U+DFFF) or a code point above U+10FFFF.
size_t utf8_sequence_length(std::string_view text, size_t i);

// The offset of the first byte that does not start a well-formed sequence, or nothing when the
// whole text is valid UTF-8.
std::optional<size_t> first_invalid_utf8(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return !first_invalid_utf8(text).has_value();
}

}  // namespace mlops
