#include "schedule/zoned_schedule.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

namespace mlops {
namespace {

SysMinutes utc(int y, int mo, int d, int h, int mi) {
  return SysMinutes{
      (date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h} + std::chrono::minutes{mi})
          .time_since_epoch()};
}

std::string next(const char* cron, const char* zone, SysMinutes from) {
  auto schedule = ZonedSchedule::make(cron, zone);
  EXPECT_TRUE(schedule.ok()) << schedule.error().message();
  auto at = schedule->next_after(from);
  return at ? schedule->describe(*at) : "never";
}

TEST(ZonedScheduleTest, PlainDaysInAZone) {
  EXPECT_EQ(next("0 3 * * *", "Europe/Stockholm", utc(2026, 11, 25, 12, 0)),
            "2026-11-26 03:00 CET (2026-11-26 02:00 UTC)");
  EXPECT_EQ(next("0 3 * * *", "UTC", utc(2026, 11, 25, 12, 0)),
            "2026-11-26 03:00 UTC (2026-11-26 03:00 UTC)");
}

TEST(ZonedScheduleTest, SpringForwardGapFiresOnceAtTheEndOfTheGap) {
  // Stockholm, 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
  EXPECT_EQ(next("30 2 * * *", "Europe/Stockholm", utc(2026, 3, 28, 12, 0)),
            "2026-03-29 03:00 CEST (2026-03-29 01:00 UTC)");
  EXPECT_EQ(next("30 2 * * *", "Europe/Stockholm", utc(2026, 3, 29, 1, 0)),
            "2026-03-30 02:30 CEST (2026-03-30 00:30 UTC)");
  // An every-minute job runs once for the skipped hour, then goes on at 03:01.
  EXPECT_EQ(next("* * * * *", "Europe/Stockholm", utc(2026, 3, 29, 0, 59)),
            "2026-03-29 03:00 CEST (2026-03-29 01:00 UTC)");
  EXPECT_EQ(next("* * * * *", "Europe/Stockholm", utc(2026, 3, 29, 1, 0)),
            "2026-03-29 03:01 CEST (2026-03-29 01:01 UTC)");
  // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT.
  EXPECT_EQ(next("30 2 * * *", "America/New_York", utc(2026, 3, 7, 12, 0)),
            "2026-03-08 03:00 EDT (2026-03-08 07:00 UTC)");
}

TEST(ZonedScheduleTest, FallBackOverlapFiresOnceAtTheFirstOccurrence) {
  // Stockholm, 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
  EXPECT_EQ(next("30 2 * * *", "Europe/Stockholm", utc(2026, 10, 24, 12, 0)),
            "2026-10-25 02:30 CEST (2026-10-25 00:30 UTC)");
  EXPECT_EQ(next("30 2 * * *", "Europe/Stockholm", utc(2026, 10, 25, 0, 30)),
            "2026-10-26 02:30 CET (2026-10-26 01:30 UTC)");
  // New York, 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
  EXPECT_EQ(next("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12, 0)),
            "2026-11-01 01:30 EDT (2026-11-01 05:30 UTC)");
  EXPECT_EQ(next("30 1 * * *", "America/New_York", utc(2026, 11, 1, 5, 30)),
            "2026-11-02 01:30 EST (2026-11-02 06:30 UTC)");
}

TEST(ZonedScheduleTest, UnknownZoneIsAClearError) {
  auto schedule = ZonedSchedule::make("0 3 * * *", "Europe/Stokholm");
  ASSERT_FALSE(schedule.ok());
  EXPECT_EQ(schedule.error().message(),
            "unknown time zone 'Europe/Stokholm' (did you mean 'Europe/Stockholm'?); use an IANA "
            "name such as Europe/Stockholm or UTC");
}

}  // namespace
}  // namespace mlops
