// SQL text for a feature group's user-named columns: names are checked when the group is
// declared (and again when read back from a stored schema) and always double-quoted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/feature_store_spec.hpp"

namespace mlops {

// [a-z0-9_-] and letters, not starting with '_' (the store's own columns do), at most 128 bytes.
bool is_safe_column_name(std::string_view name);
std::string quote_name(std::string_view name);
// A group's name, as the pipeline format allows it ([a-z0-9][a-z0-9_-]*, at most 64): it names
// a directory under .mlops/fs/, so nothing else (no "..", no "/") may pass.
bool is_group_name(std::string_view name);
const char* sql_type(FeatureType type);
// "\"a\", \"b\"" with each name prefixed by `prefix` ("g." gives g."a", g."b").
std::string column_list(const std::vector<FeatureColumnSpec>& columns, std::string_view prefix);

}  // namespace mlops
