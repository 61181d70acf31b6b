// libFuzzer target: `${...}` references in pipeline values. The first byte picks the quoting mode
// and how references resolve; the rest is the template. Values that come back contain the
// characters quoting has to handle (quotes, `$`, backticks, backslashes, newlines).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spec/interpolate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlops;
  if (size == 0) {
    return 0;
  }
  uint8_t control = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  QuoteMode mode = (control & 1) != 0 ? QuoteMode::Shell : QuoteMode::Raw;
  static const char* const k_values[] = {
      "", "plain", "two words", "it's", "a\"b", "$(touch x)", "`id`", "a\\b", "x\ny", "${params.p}",
  };
  ReferenceLookup lookup = [&](const Reference& reference,
                               std::string& error) -> std::optional<std::string> {
    if (reference.name.size() % 5 == 4 && (control & 2) != 0) {
      error = "unknown reference";
      return std::nullopt;
    }
    return std::string(k_values[(reference.name.size() + control / 4) % 10]);
  };
  std::vector<TemplateError> errors;
  (void)expand_references(text, mode, lookup, errors);
  (void)find_references(text);
  return 0;
}
