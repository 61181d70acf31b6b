#include "schedule/zoned_schedule.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {
namespace {

const date::time_zone* as_zone(const void* tz) {
  return static_cast<const date::time_zone*>(tz);
}

CivilMinute civil_of(date::local_time<std::chrono::minutes> local) {
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd{day};
  auto time = date::hh_mm_ss<std::chrono::minutes>{local - day};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day())),
          static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count())};
}

date::local_time<std::chrono::minutes> local_of(const CivilMinute& civil) {
  date::local_days day{date::year{civil.year} / date::month{static_cast<unsigned>(civil.month)} /
                       date::day{static_cast<unsigned>(civil.day)}};
  return day + std::chrono::hours{civil.hour} + std::chrono::minutes{civil.minute};
}

}  // namespace

Result<ZonedSchedule> ZonedSchedule::make(std::string_view cron, std::string_view zone) {
  auto parsed = CronSchedule::parse(cron);
  if (!parsed.ok()) {
    return parsed.error();
  }
  ZonedSchedule schedule;
  schedule.m_cron = std::move(*parsed);
  schedule.m_zone = std::string(zone);
  try {
    schedule.m_tz = date::locate_zone(std::string(zone));
  } catch (const std::exception&) {
    std::vector<std::string> names;
    try {
      for (const auto& known : date::get_tzdb().zones) {
        names.push_back(known.name());
      }
    } catch (const std::exception&) {
    }
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("unknown time zone '{}'{}; use an IANA name such as Europe/Stockholm "
                             "or UTC",
                             zone, did_you_mean(zone, names)));
  }
  return schedule;
}

std::optional<SysMinutes> ZonedSchedule::next_after(SysMinutes time) const {
  const date::time_zone* tz = as_zone(m_tz);
  CivilMinute cursor = civil_of(date::floor<std::chrono::minutes>(tz->to_local(time)));
  // Civil candidates in order; the first whose instant is after `time` wins. A repeated local
  // time maps to its first occurrence, so its second occurrence (already past) is skipped.
  for (int guard = 0; guard < 100000; ++guard) {
    auto candidate = m_cron.next_after(cursor);
    if (!candidate) {
      return std::nullopt;
    }
    auto local = local_of(*candidate);
    date::local_info info = tz->get_info(local);
    SysMinutes instant;
    if (info.result == date::local_info::nonexistent) {
      instant = date::floor<std::chrono::minutes>(info.second.begin);  // the end of the gap
    } else {
      // unique, or ambiguous: the first occurrence (the offset before the transition)
      instant = SysMinutes{
          std::chrono::floor<std::chrono::minutes>((local - info.first.offset).time_since_epoch())};
    }
    if (instant > time) {
      return instant;
    }
    cursor = *candidate;
  }
  return std::nullopt;
}

std::string ZonedSchedule::describe(SysMinutes time) const {
  auto zoned = date::make_zoned(as_zone(m_tz), time);
  return date::format("%Y-%m-%d %H:%M %Z", zoned) + date::format(" (%Y-%m-%d %H:%M UTC)", time);
}

}  // namespace mlops
