#include "cli/wall_clock.hpp"

#include <cstdlib>
#include <cstring>
#include <optional>

#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

struct Offset {
  std::chrono::system_clock::duration offset{0};
};

Offset test_offset() {
  const char* now = std::getenv("MLOPS_TEST_NOW");
  if (!test_hooks_enabled() || !now) {
    return {};
  }
  auto parsed = parse_utc_iso(now);
  if (!parsed) {
    write_all(2, "mlops: warning: MLOPS_TEST_NOW is not an ISO 8601 UTC time; ignored\n");
    return {};
  }
  return {*parsed - std::chrono::system_clock::now()};
}

}  // namespace

bool test_hooks_enabled() {
  const char* enabled = std::getenv("MLOPS_ENABLE_TEST_HOOKS");
  return enabled && std::strcmp(enabled, "1") == 0;
}

std::chrono::system_clock::time_point wall_now() {
  static const Offset offset = test_offset();
  return std::chrono::system_clock::now() + offset.offset;
}

}  // namespace mlops
