#include "schedule/cron.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

CivilMinute at(int y, int mo, int d, int h, int mi) {
  return {y, mo, d, h, mi};
}

std::string show(const std::optional<CivilMinute>& t) {
  if (!t) {
    return "never";
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d", t->year, t->month, t->day,
                t->hour, t->minute);
  return buffer;
}

std::string next(const std::string& expression, CivilMinute from) {
  auto schedule = CronSchedule::parse(expression);
  EXPECT_TRUE(schedule.ok()) << expression << ": " << schedule.error().message();
  return schedule.ok() ? show(schedule->next_after(from)) : "invalid";
}

struct NextCase {
  const char* expression;
  CivilMinute from;
  const char* expected;
};

void PrintTo(const NextCase& c, std::ostream* os) {
  *os << c.expression;
}

class CronNextTest : public ::testing::TestWithParam<NextCase> {};

TEST_P(CronNextTest, FindsTheNextMinute) {
  EXPECT_EQ(next(GetParam().expression, GetParam().from), GetParam().expected)
      << GetParam().expression;
}

INSTANTIATE_TEST_SUITE_P(
    Cron, CronNextTest,
    ::testing::Values(
        NextCase{"* * * * *", at(2026, 11, 25, 17, 49), "2026-11-25 17:50"},
        NextCase{"* * * * *", at(2026, 12, 31, 23, 59), "2027-01-01 00:00"},
        NextCase{"0 3 * * 1-5", at(2026, 11, 27, 3, 0), "2026-11-30 03:00"},  // Fri -> Mon
        NextCase{"0 3 * * mon-fri", at(2026, 11, 25, 2, 59), "2026-11-25 03:00"},
        NextCase{"*/15 * * * *", at(2026, 1, 1, 10, 14), "2026-01-01 10:15"},
        NextCase{"*/15 * * * *", at(2026, 1, 1, 10, 45), "2026-01-01 11:00"},
        NextCase{"5/20 * * * *", at(2026, 1, 1, 10, 45), "2026-01-01 11:05"},
        NextCase{"0-30/10 9 * * *", at(2026, 1, 1, 9, 30), "2026-01-02 09:00"},
        NextCase{"0 0 29 2 *", at(2026, 3, 1, 0, 0), "2028-02-29 00:00"},       // leap day
        NextCase{"0 0 31 * *", at(2026, 4, 1, 0, 0), "2026-05-31 00:00"},       // April has 30
        NextCase{"0 0 1 * mon", at(2026, 11, 25, 0, 0), "2026-11-30 00:00"},    // OR: Monday
        NextCase{"0 0 1 * mon", at(2026, 11, 30, 0, 0), "2026-12-01 00:00"},    // OR: the 1st
        NextCase{"0 0 */2 * mon", at(2026, 11, 25, 0, 0), "2026-12-07 00:00"},  // odd AND Monday
        NextCase{"0 12 * jan,jul sun", at(2026, 6, 1, 0, 0), "2026-07-05 12:00"},
        NextCase{"0 0 * * 7", at(2026, 11, 25, 0, 0), "2026-11-29 00:00"},  // 7 is Sunday
        NextCase{"30 2 * * *", at(2026, 3, 29, 2, 30), "2026-03-30 02:30"},
        NextCase{"@hourly", at(2026, 1, 1, 10, 0), "2026-01-01 11:00"},
        NextCase{"@daily", at(2026, 1, 1, 10, 0), "2026-01-02 00:00"},
        NextCase{"@weekly", at(2026, 11, 25, 0, 0), "2026-11-29 00:00"},
        NextCase{"@monthly", at(2026, 11, 25, 0, 0), "2026-12-01 00:00"},
        NextCase{"@yearly", at(2026, 11, 25, 0, 0), "2027-01-01 00:00"},
        NextCase{"0 0 1 JAN *", at(2026, 11, 25, 0, 0), "2027-01-01 00:00"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

struct BadCase {
  const char* expression;
  const char* message;
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.expression;
}

class CronErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(CronErrorTest, SaysWhatIsWrong) {
  auto schedule = CronSchedule::parse(GetParam().expression);
  ASSERT_FALSE(schedule.ok()) << GetParam().expression;
  EXPECT_EQ(schedule.error().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cron, CronErrorTest,
    ::testing::Values(
        BadCase{"* * * *",
                "'* * * *' has 4 fields; a cron expression has five: minute hour "
                "day-of-month month day-of-week (e.g. '0 3 * * 1-5')"},
        BadCase{"60 * * * *", "field 1 (minute) '60': out of range 0-59"},
        BadCase{"* 24 * * *", "field 2 (hour) '24': out of range 0-23"},
        BadCase{"* * 0 * *", "field 3 (day of month) '0': out of range 1-31"},
        BadCase{"* * * 13 *", "field 4 (month) '13': out of range 1-12"},
        BadCase{"* * * * 8", "field 5 (day of week) '8': out of range 0-7"},
        BadCase{"* * * foo *",
                "field 4 (month) 'foo': expected a number from 1 to 12 or a name "
                "such as jan"},
        BadCase{"*/0 * * * *", "field 1 (minute) '*/0': the step must be a number from 1 to 59"},
        BadCase{"5-1 * * * *", "field 1 (minute) '5-1': the range runs backwards"},
        BadCase{"0 0 31 2 *", "'0 0 31 2 *' never fires: no chosen month has that day"},
        BadCase{"@reboot",
                "'@reboot' is not a cron macro; use @hourly, @daily, @weekly, @monthly "
                "or @yearly"}));

TEST(CronTest, MatchesIsConsistentWithNext) {
  auto schedule = CronSchedule::parse("7,37 */5 1-10 * fri");
  ASSERT_TRUE(schedule.ok());
  CivilMinute t = at(2026, 1, 1, 0, 0);
  for (int i = 0; i < 200; ++i) {
    auto n = schedule->next_after(t);
    ASSERT_TRUE(n);
    EXPECT_TRUE(schedule->matches(*n)) << show(n);
    EXPECT_GT(*n, t);
    t = *n;
  }
}

}  // namespace
}  // namespace mlops
