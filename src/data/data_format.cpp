#include <string>

#include "data/record_source.hpp"
#include "util/strings.hpp"

namespace mlops {

bool is_json_lines_name(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  if (name.size() > 3 && name.ends_with(".gz"))
    name.resize(name.size() - 3);
  return name.ends_with(".jsonl") || name.ends_with(".ndjson");
}

}  // namespace mlops
