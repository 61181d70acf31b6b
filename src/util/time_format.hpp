// Wall-clock times as the store and reports write them.
#pragma once

#include <chrono>
#include <string>

namespace mlops {

// "2026-11-25T17:49:12.123Z": ISO 8601, UTC, milliseconds. Sorts as text in time order.
std::string format_utc_iso(std::chrono::system_clock::time_point time);

inline std::string now_utc_iso() {
  return format_utc_iso(std::chrono::system_clock::now());
}

}  // namespace mlops
