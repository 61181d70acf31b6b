// Cron schedules: POSIX 5-field expressions with Vixie cron's extensions.
//
//   minute hour day-of-month month day-of-week
//   lists (1,15), ranges (1-5), steps (*/10, 0-30/5, 5/15 meaning 5-max/15), names (jan-dec,
//   sun-sat, any case), 7 for Sunday, and @hourly @daily @midnight @weekly @monthly @yearly
//   @annually.
// As in Vixie cron, when both day fields are restricted a day matches if EITHER does ("0 0 1 *
// mon" fires on the 1st and on Mondays); a field starting with '*' ("*", "*/2") counts as
// unrestricted. Times here are civil (wall-clock) minutes; converting them to instants in a
// time zone, with its daylight-saving gaps and overlaps, is the schedule trigger's job.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mlops {

// A wall-clock minute.
struct CivilMinute {
  int year = 1970;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
  int hour = 0;
  int minute = 0;
  friend auto operator<=>(const CivilMinute&, const CivilMinute&) = default;
};

class CronSchedule {
 public:
  // InvalidSpec with a message naming the field and what is wrong, e.g.
  // "field 3 (day of month) '32': out of range 1-31".
  static Result<CronSchedule> parse(std::string_view expression);

  bool matches(const CivilMinute& time) const;
  // The first matching minute strictly after `time`, within eight years; nothing when the
  // expression never matches in that span (parse() already refuses most such expressions).
  std::optional<CivilMinute> next_after(const CivilMinute& time) const;

  const std::string& text() const { return m_text; }

 private:
  bool day_matches(int year, int month, int day) const;

  std::string m_text;
  std::bitset<60> m_minutes;
  std::bitset<24> m_hours;
  std::bitset<32> m_days;     // 1-31
  std::bitset<13> m_months;   // 1-12
  std::bitset<7> m_weekdays;  // 0 = Sunday
  bool m_days_star = false;
  bool m_weekdays_star = false;
};

}  // namespace mlops
