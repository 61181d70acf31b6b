#include "schedule/cron.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {
namespace {

struct FieldSpec {
  const char* name;
  int low;
  int high;
  std::vector<std::string> names;  // names[i] stands for low + i
};

const FieldSpec k_fields[] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day of month", 1, 31, {}},
    {"month",
     1,
     12,
     {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
    {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
};

std::optional<int> parse_value(std::string_view text, const FieldSpec& spec) {
  if (text.empty()) {
    return std::nullopt;
  }
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (text.size() > 4) {
      return std::nullopt;
    }
    return std::stoi(std::string(text));
  }
  std::string lower;
  for (char c : text) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (size_t i = 0; i < spec.names.size(); ++i) {
    if (spec.names[i] == lower) {
      return spec.low + static_cast<int>(i);
    }
  }
  return std::nullopt;
}

// Sets the bits of one field; on a problem, writes a message to `error`.
template <size_t N>
bool parse_field(std::string_view text, int index, std::bitset<N>& bits, std::string& error) {
  const FieldSpec& spec = k_fields[index];
  auto fail = [&](std::string_view item, const std::string& why) {
    error = fmt::format("field {} ({}) '{}': {}", index + 1, spec.name, item, why);
    return false;
  };
  for (const auto& item : split(text, ',')) {
    std::string_view range = item;
    int step = 1;
    size_t slash = item.find('/');
    if (slash != std::string::npos) {
      range = std::string_view(item).substr(0, slash);
      std::string_view step_text = std::string_view(item).substr(slash + 1);
      auto parsed = parse_value(step_text, FieldSpec{spec.name, 1, 1, {}});
      if (!parsed || *parsed < 1 || *parsed > spec.high) {
        return fail(item, fmt::format("the step must be a number from 1 to {}", spec.high));
      }
      step = *parsed;
    }
    int first = spec.low;
    int last = spec.high == 7 ? 6 : spec.high;  // day of week: 7 is Sunday, written as 0
    if (range != "*") {
      size_t dash = range.find('-');
      auto a = parse_value(range.substr(0, dash), spec);
      if (!a) {
        return fail(
            item,
            fmt::format("expected a number from {} to {}{}", spec.low, spec.high,
                        spec.names.empty() ? "" : " or a name such as " + spec.names.front()));
      }
      first = *a;
      last = slash != std::string::npos && dash == std::string::npos ? last : *a;
      if (dash != std::string::npos) {
        auto b = parse_value(range.substr(dash + 1), spec);
        if (!b) {
          return fail(item, "the end of the range is not a valid value");
        }
        last = *b;
      }
      if (first < spec.low || first > spec.high || last < spec.low || last > spec.high) {
        return fail(item, fmt::format("out of range {}-{}", spec.low, spec.high));
      }
      if (last < first) {
        return fail(item, "the range runs backwards");
      }
    }
    for (int value = first; value <= last; value += step) {
      bits.set(static_cast<size_t>(spec.high == 7 ? value % 7 : value));
    }
  }
  return true;
}

int days_in_month(int year, int month) {
  using namespace std::chrono;
  return static_cast<int>(static_cast<unsigned>(year_month_day_last{
      std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} / last}
                                                    .day()));
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view expression) {
  std::string text(trim(expression));
  static const std::pair<const char*, const char*> k_macros[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"}};
  std::string fields_text = text;
  if (text.starts_with("@")) {
    auto it = std::find_if(std::begin(k_macros), std::end(k_macros),
                           [&](const auto& macro) { return text == macro.first; });
    if (it == std::end(k_macros)) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("'{}' is not a cron macro; use @hourly, @daily, @weekly, "
                               "@monthly or @yearly",
                               text));
    }
    fields_text = it->second;
  }
  std::vector<std::string> fields;
  for (const auto& piece : split(fields_text, ' ')) {
    if (!piece.empty()) {
      fields.push_back(piece);
    }
  }
  if (fields.size() != 5) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("'{}' has {} field{}; a cron expression has five: minute hour "
                             "day-of-month month day-of-week (e.g. '0 3 * * 1-5')",
                             text, fields.size(), fields.size() == 1 ? "" : "s"));
  }
  CronSchedule schedule;
  schedule.m_text = text;
  std::string error;
  std::bitset<8> weekdays;
  if (!parse_field(fields[0], 0, schedule.m_minutes, error) ||
      !parse_field(fields[1], 1, schedule.m_hours, error) ||
      !parse_field(fields[2], 2, schedule.m_days, error) ||
      !parse_field(fields[3], 3, schedule.m_months, error) ||
      !parse_field(fields[4], 4, weekdays, error)) {
    return Error(ErrorKind::InvalidSpec, error);
  }
  for (size_t i = 0; i < 7; ++i) {
    schedule.m_weekdays[i] = weekdays[i];
  }
  schedule.m_days_star = fields[2].starts_with("*");
  schedule.m_weekdays_star = fields[4].starts_with("*");
  // A day of month that no chosen month has ("0 0 31 2 *") would never fire.
  if (!schedule.m_days_star && schedule.m_weekdays_star) {
    bool possible = false;
    for (int month = 1; month <= 12 && !possible; ++month) {
      if (!schedule.m_months[static_cast<size_t>(month)]) {
        continue;
      }
      for (int day = 1; day <= days_in_month(2024, month); ++day) {  // 2024: a leap year
        possible = possible || schedule.m_days[static_cast<size_t>(day)];
      }
    }
    if (!possible) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("'{}' never fires: no chosen month has that day", text));
    }
  }
  return schedule;
}

bool CronSchedule::day_matches(int year, int month, int day) const {
  using namespace std::chrono;
  unsigned weekday =
      std::chrono::weekday{
          sys_days{std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} /
                   std::chrono::day{static_cast<unsigned>(day)}}}
          .c_encoding();
  bool by_day = m_days[static_cast<size_t>(day)];
  bool by_weekday = m_weekdays[weekday];
  if (!m_days_star && !m_weekdays_star) {
    return by_day || by_weekday;
  }
  return by_day && by_weekday;
}

bool CronSchedule::matches(const CivilMinute& time) const {
  return m_minutes[static_cast<size_t>(time.minute)] && m_hours[static_cast<size_t>(time.hour)] &&
         m_months[static_cast<size_t>(time.month)] && day_matches(time.year, time.month, time.day);
}

std::optional<CivilMinute> CronSchedule::next_after(const CivilMinute& time) const {
  using namespace std::chrono;
  sys_days day = sys_days{std::chrono::year{time.year} /
                          std::chrono::month{static_cast<unsigned>(time.month)} /
                          std::chrono::day{static_cast<unsigned>(time.day)}};
  // The first candidate is the minute after `time`.
  int first_minute_of_day = time.hour * 60 + time.minute + 1;
  if (first_minute_of_day == 24 * 60) {
    first_minute_of_day = 0;
    day += days{1};
  }
  int start_hour = first_minute_of_day / 60;
  int start_minute = first_minute_of_day % 60;
  for (int i = 0; i < 366 * 8 + 2; ++i, day += days{1}) {
    year_month_day date{day};
    int year = static_cast<int>(date.year());
    int month = static_cast<int>(static_cast<unsigned>(date.month()));
    int dom = static_cast<int>(static_cast<unsigned>(date.day()));
    bool first_day = i == 0;
    if (!m_months[static_cast<size_t>(month)] || !day_matches(year, month, dom)) {
      continue;
    }
    for (int hour = first_day ? start_hour : 0; hour < 24; ++hour) {
      if (!m_hours[static_cast<size_t>(hour)]) {
        continue;
      }
      int from = first_day && hour == start_hour ? start_minute : 0;
      for (int minute = from; minute < 60; ++minute) {
        if (m_minutes[static_cast<size_t>(minute)]) {
          return CivilMinute{year, month, dom, hour, minute};
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace mlops
