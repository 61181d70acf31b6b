// libFuzzer target: directory manifests (<digest>.dir) read back from the object cache, which
// anyone with write access to .mlops/ can edit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cache/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto entries = mlops::parse_manifest(text);
  if (!entries.ok()) {
    (void)entries.error().message();
  }
  return 0;
}
