// Reading the JSON metrics files stages write (`metrics:` in the pipeline).
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// How deeply objects and arrays may nest in a metrics file.
inline constexpr int k_max_metrics_depth = 100;

// Every number in the JSON document, keyed by its path: nested objects and arrays are flattened
// as a.b.c and a.0 ; booleans count as 1 and 0; strings and nulls are left out. InvalidSpec
// when the text is not JSON, or nests deeper than k_max_metrics_depth.
Result<std::vector<MetricValue>> parse_metrics_json(std::string_view text);

// parse_metrics_json on a file (at most 16 MiB).
Result<std::vector<MetricValue>> read_metrics_file(const std::filesystem::path& path);

}  // namespace mlops
