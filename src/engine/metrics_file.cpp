#include "engine/metrics_file.hpp"

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
  nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
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
