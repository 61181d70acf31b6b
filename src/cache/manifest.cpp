#include "cache/manifest.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "util/paths.hpp"

namespace mlops {
namespace {

Error corrupt(const std::string& what) {
  return Error(ErrorKind::Corrupt, "malformed cache manifest: " + what);
}

// One entry, checked on its own; Corrupt when it is not one the cache writes.
Result<ManifestEntry> parse_entry(const nlohmann::json& item) {
  if (!item.is_object() || !item.contains("path") || !item["path"].is_string()) {
    return corrupt("an entry without a \"path\" string");
  }
  ManifestEntry entry;
  entry.path = item["path"].get<std::string>();
  if (!is_plain_relative_path(entry.path) || path_is_within(entry.path, ".mlops")) {
    return corrupt("entry path '" + entry.path + "' is not a plain relative path");
  }
  bool has_digest = item.contains("digest");
  if (has_digest == item.contains("link")) {
    return corrupt("entry '" + entry.path + "' needs exactly one of \"digest\" and \"link\"");
  }
  if (has_digest) {
    if (!item["digest"].is_string() || !is_object_digest(item["digest"].get<std::string>())) {
      return corrupt("entry '" + entry.path + "' has a malformed digest");
    }
    entry.digest = item["digest"].get<std::string>();
  } else {
    const auto& link = item["link"];
    if (!link.is_string() || link.get<std::string>().empty() ||
        link.get<std::string>().find('\0') != std::string::npos) {
      return corrupt("entry '" + entry.path + "' has a malformed link target");
    }
    entry.link = link.get<std::string>();
  }
  if (item.contains("executable")) {
    if (!item["executable"].is_boolean()) {
      return corrupt("entry '" + entry.path + "' has a non-boolean \"executable\"");
    }
    entry.executable = item["executable"].get<bool>();
  }
  return entry;
}

}  // namespace

bool is_object_digest(std::string_view text) {
  return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Result<std::vector<ManifestEntry>> parse_manifest(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) {
    return corrupt("not a JSON array");
  }
  std::vector<ManifestEntry> entries;
  std::set<std::string> seen;
  std::set<std::string> leaves;  // files and links: nothing may lie below them
  for (const auto& item : json) {
    MLOPS_TRY(entry, parse_entry(item));
    if (!seen.insert(entry->path).second) {
      return corrupt("entry '" + entry->path + "' appears twice");
    }
    entries.push_back(std::move(*entry));
    leaves.insert(entries.back().path);
  }
  for (const auto& entry : entries) {
    for (auto slash = entry.path.find('/'); slash != std::string::npos;
         slash = entry.path.find('/', slash + 1)) {
      if (leaves.count(entry.path.substr(0, slash))) {
        return corrupt("entry '" + entry.path + "' lies below the file or link '" +
                       entry.path.substr(0, slash) + "'");
      }
    }
  }
  return entries;
}

std::string manifest_text(const std::vector<ManifestEntry>& entries) {
  nlohmann::json json = nlohmann::json::array();
  for (const auto& entry : entries) {
    if (entry.link) {
      json.push_back({{"path", entry.path}, {"link", *entry.link}});
    } else {
      json.push_back({{"path", entry.path},
                      {"digest", entry.digest.value_or("")},
                      {"executable", entry.executable}});
    }
  }
  return json.dump();
}

}  // namespace mlops
