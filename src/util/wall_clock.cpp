#include "util/wall_clock.hpp"

#include "util/environment.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// An unparsable MLOPS_TEST_NOW is ignored (tests only; they check their own values).
std::chrono::system_clock::duration test_offset() {
  const char* now = test_hook("MLOPS_TEST_NOW");
  if (!now) {
    return {};
  }
  auto parsed = parse_utc_iso(now);
  return parsed ? *parsed - std::chrono::system_clock::now()
                : std::chrono::system_clock::duration{};
}

}  // namespace

WallTimePoint SystemWallClock::now() const {
  static const std::chrono::system_clock::duration offset = test_offset();
  return std::chrono::system_clock::now() + offset;
}

WallTimePoint wall_now() {
  return SystemWallClock().now();
}

}  // namespace mlops
