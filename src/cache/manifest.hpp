// A directory manifest (<digest>.dir in the object cache): what a cached directory holds.
//
// The text is a JSON array with one object per entry, in the order the directory was walked:
//   {"path": "a/b.txt", "digest": "<32 hex>", "executable": false}   a regular file
//   {"path": "a/link", "link": "target"}                             a symbolic link
// Manifests are written by ObjectStore::save and read back by has, restore and the sweep. Anyone
// with write access to .mlops/ can edit one, so reading never trusts its shape: parse_manifest is
// the one reader, and it refuses anything malformed instead of throwing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

struct ManifestEntry {
  std::string path;         // relative to the directory, '/'-separated, as written
  std::string digest;       // the file's object; empty for a link
  std::string link;         // the link's target; empty for a file
  bool executable = false;  // files only
  bool is_link() const { return digest.empty(); }
};

// InvalidSpec when `text` is not JSON, not an array, or an entry is not an object with a string
// "path" and either a string "digest" or a string "link" (an optional "executable" must be a
// boolean). Paths and digests are returned as written: checking them is the caller's job.
Result<std::vector<ManifestEntry>> parse_manifest(std::string_view text);

}  // namespace mlops
