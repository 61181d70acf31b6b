#include "util/time_format.hpp"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

namespace mlops {

std::string format_utc_iso(std::chrono::system_clock::time_point time) {
  auto since_epoch = time.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     millis.count());
}

std::optional<std::chrono::system_clock::time_point> parse_utc_iso(std::string_view text) {
  std::tm utc{};
  int millis = 0;
  std::string copy(text);
  int consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(copy).substr(static_cast<size_t>(consumed));
  if (rest.starts_with(".")) {
    int digits = 0;
    size_t i = 1;
    for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) {
      if (digits < 3) {
        millis = millis * 10 + (rest[i] - '0');
        ++digits;
      }
    }
    while (digits++ < 3) {
      millis *= 10;
    }
    rest.remove_prefix(i);
  }
  if (rest != "Z" && !rest.empty()) {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  std::time_t seconds = timegm(&utc);
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
}

std::optional<std::chrono::milliseconds> iso_difference(std::string_view from,
                                                        std::string_view to) {
  auto start = parse_utc_iso(from);
  auto end = parse_utc_iso(to);
  if (!start || !end) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*end - *start);
}

}  // namespace mlops
