#include "util/duration.hpp"

#include <fmt/format.h>

namespace mlops {

std::optional<Milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  // Ten years is far beyond any sensible timeout and keeps every sum far from overflow.
  constexpr long long k_max_ms = 10LL * 365 * 24 * 3600 * 1000;
  long long total = 0;
  size_t i = 0;
  while (i < text.size()) {
    long long number = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > k_max_ms) {
        return std::nullopt;
      }
      ++i;
      ++digits;
    }
    if (digits == 0) {
      return std::nullopt;
    }
    long long unit = 0;
    if (text.substr(i, 2) == "ms") {
      unit = 1;
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      unit = 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit = 60 * 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      unit = 3600 * 1000;
      ++i;
    } else {
      return std::nullopt;
    }
    total += number * unit;
    if (total > k_max_ms) {
      return std::nullopt;
    }
  }
  return Milliseconds(total);
}

std::string format_duration(Milliseconds duration) {
  long long ms = duration.count();
  if (ms < 1000) {
    return fmt::format("{}ms", ms);
  }
  if (ms < 60 * 1000) {
    return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  }
  long long seconds = ms / 1000;
  if (seconds < 3600) {
    return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  }
  return fmt::format("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60);
}

}  // namespace mlops
