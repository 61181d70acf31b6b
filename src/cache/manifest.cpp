#include "cache/manifest.hpp"

#include <nlohmann/json.hpp>

namespace mlops {
namespace {

const std::string* string_member(const nlohmann::json& entry, const char* key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

Result<ManifestEntry> parse_entry(const nlohmann::json& entry, size_t index) {
  auto invalid = [&](const std::string& what) {
    return Error(ErrorKind::InvalidSpec,
                 "malformed cache manifest: entry " + std::to_string(index) + " " + what);
  };
  if (!entry.is_object()) {
    return invalid("is not an object");
  }
  const std::string* path = string_member(entry, "path");
  if (path == nullptr) {
    return invalid("has no string 'path'");
  }
  ManifestEntry result;
  result.path = *path;
  if (const std::string* digest = string_member(entry, "digest")) {
    result.digest = *digest;
  } else if (const std::string* link = string_member(entry, "link")) {
    result.link = *link;
  }
  if (result.digest.empty() && result.link.empty()) {
    return invalid("has neither a string 'digest' nor a string 'link'");
  }
  auto executable = entry.find("executable");
  if (executable != entry.end()) {
    if (!executable->is_boolean()) {
      return invalid("has a non-boolean 'executable'");
    }
    result.executable = executable->get<bool>();
  }
  return result;
}

}  // namespace

Result<std::vector<ManifestEntry>> parse_manifest(std::string_view text) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_array()) {
    return Error(ErrorKind::InvalidSpec, "malformed cache manifest: not a JSON array");
  }
  std::vector<ManifestEntry> entries;
  entries.reserve(document.size());
  for (size_t i = 0; i < document.size(); ++i) {
    auto entry = parse_entry(document[i], i);
    if (!entry.ok()) {
      return entry.error();
    }
    entries.push_back(std::move(*entry));
  }
  return entries;
}

}  // namespace mlops
