// Wall-clock times as the store and reports write them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mlops {

// "2026-11-25T17:49:12.123Z": ISO 8601, UTC, milliseconds. Sorts as text in time order.
std::string format_utc_iso(std::chrono::system_clock::time_point time);

// Parses what format_utc_iso writes (the milliseconds may be missing). Nothing otherwise.
std::optional<std::chrono::system_clock::time_point> parse_utc_iso(std::string_view text);

// The time between two format_utc_iso stamps, or nothing if either does not parse.
std::optional<std::chrono::milliseconds> iso_difference(std::string_view from, std::string_view to);

inline std::string now_utc_iso() {
  return format_utc_iso(std::chrono::system_clock::now());
}

}  // namespace mlops
