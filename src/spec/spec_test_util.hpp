// Helpers for the spec tests: load pipeline text and list its errors as "LINE:COL: MESSAGE".
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

#include "spec/loader.hpp"

namespace mlops::testing {

inline LoadResult load_text(const std::string& text, LoadOptions options = {}) {
  return load_pipeline_text(text, "p.yaml", "/nonexistent-ws", options);
}

inline std::vector<std::string> errors_of(const std::string& text, LoadOptions options = {}) {
  std::vector<std::string> errors;
  for (const auto& diagnostic : load_text(text, options).diagnostics) {
    errors.push_back(
        fmt::format("{}:{}: {}", diagnostic.mark.line, diagnostic.mark.column, diagnostic.message));
  }
  return errors;
}

}  // namespace mlops::testing
