// A directory version's manifest (<digest>.dir in the object cache): what it holds, and the one
// reader that turns its JSON back into entries.
//
// The format, written by ObjectStore::save: a JSON array, one object per entry, sorted as the
// directory walk met them:
//   {"path": "a/b.csv", "digest": "<32 hex>", "executable": false}   a file (its object by digest)
//   {"path": "a/link", "link": "target text"}                          a symbolic link
// Anyone who can write .mlops/ can edit a manifest, so reading one back validates it like input:
// every path is plain and relative (util/paths.hpp: no "..", not absolute, UTF-8), no entry lies
// below a link or a file entry, digests are 32 lowercase hex digits, and nothing is repeated.
// A manifest that fails is Corrupt: the cache quarantines it instead of restoring from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

struct ManifestEntry {
  std::string path;                   // relative to the directory, '/'-separated
  std::optional<std::string> digest;  // a file: its object
  std::optional<std::string> link;    // a symbolic link: its target text
  bool executable = false;
};

// Whether `text` is a digest as the cache names objects: 32 lowercase hex digits.
bool is_object_digest(std::string_view text);

// The entries of a manifest. Corrupt, saying what is wrong, when `text` is not JSON, not an
// array of entries as above, or an entry's path is unsafe (see the file comment).
Result<std::vector<ManifestEntry>> parse_manifest(std::string_view text);

// The digest of the directory tree `entries` describe, computed as hash/digest.hpp computes a
// directory's (so a manifest received from elsewhere can be checked against the digest it is
// stored under). A tree with empty directories has a digest no manifest reproduces: manifests
// list files and links only.
std::string manifest_tree_digest(const std::vector<ManifestEntry>& entries);

// The JSON text of `entries` (the inverse of parse_manifest).
std::string manifest_text(const std::vector<ManifestEntry>& entries);

}  // namespace mlops
