// libFuzzer target: durations as pipeline files write them (timeout: 1h30m). A parsed duration is
// formatted back, and the first eight bytes are also formatted as a raw millisecond count, so
// format_duration sees negative and huge values too.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "util/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlops;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto duration = parse_duration(text)) {
    (void)format_duration(*duration);
  }
  if (size >= sizeof(int64_t)) {
    int64_t raw = 0;
    std::memcpy(&raw, data, sizeof raw);
    (void)format_duration(Milliseconds(raw));
  }
  return 0;
}
