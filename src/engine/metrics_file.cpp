#include "engine/metrics_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/file_io.hpp"

namespace mlops {
namespace {

void flatten(const nlohmann::json& value, const std::string& key, std::vector<MetricValue>& out) {
  if (value.is_object()) {
    for (const auto& [name, child] : value.items()) {
      flatten(child, key.empty() ? name : key + "." + name, out);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      flatten(value[i], key.empty() ? std::to_string(i) : key + "." + std::to_string(i), out);
    }
  } else if (value.is_number()) {
    out.push_back({key.empty() ? "value" : key, value.get<double>()});
  } else if (value.is_boolean()) {
    out.push_back({key.empty() ? "value" : key, value.get<bool>() ? 1.0 : 0.0});
  }
}

}  // namespace

Result<std::vector<MetricValue>> parse_metrics_json(std::string_view text) {
  // flatten() recurses once per level: a file of 100,000 '[' overflowed the stack (found with
  // fuzz/metrics_json_fuzz on a hand-made input). Deeper values are discarded while parsing, so
  // they cost no memory either, and the file is refused.
  bool too_deep = false;
  auto limit_depth = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    too_deep = too_deep || depth > k_max_metrics_depth;
    return !too_deep;
  };
  nlohmann::json document = nlohmann::json::parse(text, limit_depth, /*allow_exceptions=*/false);
  if (too_deep) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("nested deeper than {} levels", k_max_metrics_depth));
  }
  if (document.is_discarded()) {
    return Error(ErrorKind::InvalidSpec, "not valid JSON");
  }
  std::vector<MetricValue> metrics;
  flatten(document, "", metrics);
  return metrics;
}

Result<std::vector<MetricValue>> read_metrics_file(const std::filesystem::path& path) {
  MLOPS_TRY(text, read_file(path, 16 * 1024 * 1024));
  auto metrics = parse_metrics_json(*text);
  if (!metrics.ok()) {
    return Error(ErrorKind::InvalidSpec,
                 path.string() + " is " + metrics.error().message() + "; metrics files are JSON");
  }
  return metrics;
}

}  // namespace mlops
