// Small string helpers shared by every module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlops {

// "512 B", "1.2 KiB", "3.4 MiB": a byte count for people.
std::string human_size(int64_t bytes);

// Splits on every occurrence of `separator`; empty pieces are kept.
std::vector<std::string> split(std::string_view text, char separator);

std::string join(const std::vector<std::string>& pieces, std::string_view separator);

std::string_view trim(std::string_view text);

// Edit distance counting adjacent transpositions as one edit, used for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is plausibly a typo of it (a distance of at most a third
// of the word's length, and at least 1), else nothing. Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace mlops
