// libFuzzer target: cron expressions. A schedule that parses is asked whether it matches a fixed
// minute and for its next time after one (the schedule trigger's two questions).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "schedule/cron.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlops;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto schedule = CronSchedule::parse(text);
  if (!schedule.ok()) {
    (void)schedule.error().message();
    return 0;
  }
  CivilMinute start{2024, 2, 28, 23, 59};
  (void)schedule->matches(start);
  (void)schedule->next_after(start);
  return 0;
}
