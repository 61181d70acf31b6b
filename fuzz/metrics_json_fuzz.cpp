// libFuzzer target: the JSON metrics files stages write, flattened into named numbers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/metrics_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto metrics = mlops::parse_metrics_json(text);
  if (!metrics.ok()) {
    (void)metrics.error().message();
  }
  return 0;
}
