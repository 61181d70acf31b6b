#include "features/values.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace mlops {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// Reads exactly `width` digits at `pos`.
bool digits(std::string_view text, size_t pos, size_t width, unsigned& value) {
  if (pos + width > text.size()) {
    return false;
  }
  value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : k_days[m - 1];
}

// The time-of-day part after the date: "HH:MM[:SS[.f+]]" then an optional zone.
std::optional<int64_t> parse_clock(std::string_view text, size_t pos) {
  unsigned hh = 0;
  unsigned mm = 0;
  unsigned ss = 0;
  if (!digits(text, pos, 2, hh) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !digits(text, pos + 3, 2, mm) || hh > 23 || mm > 59) {
    return std::nullopt;
  }
  pos += 5;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!digits(text, pos + 1, 2, ss) || ss > 59) {
      return std::nullopt;
    }
    pos += 3;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      int64_t scale = 100000;
      size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        micros += (text[pos] - '0') * scale;  // digits past microseconds are dropped
        scale /= 10;
        ++pos;
      }
      if (pos == start) {
        return std::nullopt;
      }
    }
  }
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' || text[pos] == 'z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      unsigned oh = 0;
      unsigned om = 0;
      bool colon = pos + 3 < text.size() && text[pos + 3] == ':';
      if (!digits(text, pos + 1, 2, oh) || !digits(text, pos + (colon ? 4 : 3), 2, om) || oh > 23 ||
          om > 59) {
        return std::nullopt;
      }
      offset_minutes = (text[pos] == '-' ? -1 : 1) * static_cast<int64_t>(oh * 60 + om);
      pos += colon ? 6 : 5;
    }
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  return (static_cast<int64_t>(hh) * 3600 + mm * 60 + ss - offset_minutes * 60) * 1000000 + micros;
}

std::optional<int64_t> parse_epoch_seconds(std::string_view text) {
  double seconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      std::fabs(seconds) > 9.0e12) {
    return std::nullopt;
  }
  return static_cast<int64_t>(std::llround(seconds * 1e6));
}

}  // namespace

std::optional<int64_t> parse_event_time(std::string_view text) {
  unsigned y = 0;
  unsigned m = 0;
  unsigned d = 0;
  if (text.size() >= 10 && text[4] == '-' && text[7] == '-' && digits(text, 0, 4, y) &&
      digits(text, 5, 2, m) && digits(text, 8, 2, d)) {
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
      return std::nullopt;
    }
    int64_t day_micros = days_from_civil(y, m, d) * 86400 * int64_t{1000000};
    if (text.size() == 10) {
      return day_micros;
    }
    if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') {
      return std::nullopt;
    }
    auto clock = parse_clock(text, 11);
    if (!clock) {
      return std::nullopt;
    }
    return day_micros + *clock;
  }
  return parse_epoch_seconds(text);
}

void append_event_time(std::string& out, int64_t micros) {
  int64_t seconds = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  int64_t fraction = micros - seconds * 1000000;
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t in_day = seconds - days * 86400;
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  if (y < 0 || y > 9999) {
    fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d,
                   in_day / 3600, in_day / 60 % 60, in_day % 60);
  } else {
    // The common case without a format string: this runs once per row written.
    char text[19] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0',
                     'T', '0', '0', ':', '0', '0', ':', '0', '0'};
    auto put = [&text](int at, int64_t value, int width) {
      for (int i = width - 1; i >= 0; --i, value /= 10) {
        text[at + i] = static_cast<char>('0' + value % 10);
      }
    };
    put(0, y, 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, in_day / 3600, 2);
    put(14, in_day / 60 % 60, 2);
    put(17, in_day % 60, 2);
    out.append(text, sizeof text);
  }
  if (fraction != 0) {
    fmt::format_to(std::back_inserter(out), ".{:06}", fraction);
  }
  out.push_back('Z');
}

std::string format_event_time(int64_t micros) {
  std::string out;
  append_event_time(out, micros);
  return out;
}

std::optional<int64_t> parse_int_value(std::string_view text) {
  if (!text.empty() && text[0] == '+') {
    text.remove_prefix(1);
  }
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_float_value(std::string_view text) {
  if (!text.empty() && text[0] == '+') {
    text.remove_prefix(1);
  }
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_bool_value(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE" || text == "1") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE" || text == "0") {
    return false;
  }
  return std::nullopt;
}

void append_float(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "nan";
    return;
  }
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest
  out.append(buffer, error == std::errc() ? end : buffer);
}

}  // namespace mlops
