#include "cache/manifest.hpp"

#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "hash/digest.hpp"
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

namespace {

// A directory of the tree a manifest describes: its children by name, each a leaf's digest (a
// file or a link) or a subdirectory.
struct TreeNode {
  std::map<std::string, std::string> leaves;
  std::map<std::string, std::unique_ptr<TreeNode>> directories;
};

std::string tree_digest(const TreeNode& node) {
  // As digest_directory: children sorted by name, each name, "d" or "f", and its digest.
  std::map<std::string, std::pair<char, std::string>> children;
  for (const auto& [name, digest] : node.leaves) {
    children[name] = {'f', digest};
  }
  for (const auto& [name, child] : node.directories) {
    children[name] = {'d', tree_digest(*child)};
  }
  Hasher hasher;
  hasher.add_field("mlops-directory-v1");
  for (const auto& [name, child] : children) {
    hasher.add_field(name);
    hasher.add_field(std::string(1, child.first));
    hasher.add_field(child.second);
  }
  return hasher.finish().hex();
}

}  // namespace

std::string manifest_tree_digest(const std::vector<ManifestEntry>& entries) {
  TreeNode root;
  for (const auto& entry : entries) {
    TreeNode* node = &root;
    std::string_view path = entry.path;
    for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/')) {
      auto& child = node->directories[std::string(path.substr(0, slash))];
      if (!child) {
        child = std::make_unique<TreeNode>();
      }
      node = child.get();
      path.remove_prefix(slash + 1);
    }
    if (entry.link) {
      Hasher link;
      link.add_field("mlops-symlink-v1");
      link.add_field(*entry.link);
      node->leaves[std::string(path)] = link.finish().hex();
    } else {
      node->leaves[std::string(path)] = entry.digest.value_or("");
    }
  }
  return tree_digest(root);
}

}  // namespace mlops
