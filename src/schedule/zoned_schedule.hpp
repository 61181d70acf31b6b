// A cron schedule in a time zone: when it fires, as instants.
//
// Daylight-saving transitions, as cronie and ISC cron document them:
//   - a time that does not exist (the clock jumps from 02:00 to 03:00) fires once, at the end
//     of the gap: a 02:30 job runs at 03:00 on that day, and an every-minute job runs once for
//     the whole skipped hour;
//   - a time that happens twice (the clock falls back from 03:00 to 02:00) fires once, at its
//     first occurrence.
// Time zones are IANA names from the system's tz database (Debian's tzdata), read through
// Howard Hinnant's date library; "UTC" always works.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "schedule/cron.hpp"
#include "util/error.hpp"

namespace mlops {

using SysMinutes = std::chrono::time_point<std::chrono::system_clock, std::chrono::minutes>;

class ZonedSchedule {
 public:
  // InvalidSpec for a bad expression or an unknown zone (with a suggestion).
  static Result<ZonedSchedule> make(std::string_view cron, std::string_view zone);

  // The first firing strictly after `time`, or nothing within eight years.
  std::optional<SysMinutes> next_after(SysMinutes time) const;

  // "2026-11-25 03:00 CET (02:00 UTC)".
  std::string describe(SysMinutes time) const;
  const std::string& zone() const { return m_zone; }

 private:
  CronSchedule m_cron;
  std::string m_zone;
  const void* m_tz = nullptr;  // const date::time_zone*, kept out of this header
};

}  // namespace mlops
