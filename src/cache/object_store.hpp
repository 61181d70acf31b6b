// The content-addressed cache of outputs: .mlops/cache/objects/<2 hex>/<30 hex>.
//
// A file is stored under its digest. A directory is stored as a manifest (<digest>.dir, JSON:
// each file's relative path, digest and executable bit, each link's target) plus its files'
// objects. Objects are written to a temporary name, then renamed, so a crash never leaves a
// partial object under a real name, and they are made read-only.
//
// Copies, not hard links: a hard link would share the inode with the workspace file, and a tool
// that rewrites its output in place (or anything running as root, which ignores the read-only
// mode) would silently corrupt the cached version. Where the filesystem supports it (btrfs, XFS,
// overlayfs over them) the copy is a reflink (FICLONE): instant and sharing blocks until either
// side is written; elsewhere it is a plain copy.
#pragma once

#include <filesystem>
#include <string>

#include "hash/digest.hpp"
#include "util/error.hpp"

namespace mlops {

class ObjectStore {
 public:
  explicit ObjectStore(std::filesystem::path root) : m_root(std::move(root)) {}

  // Whether the version with `digest` (a file, or a directory's manifest) is complete here.
  bool has(const std::string& digest, bool directory) const;

  // Stores `source`, whose digest is `digest`, unless it is there already. For a directory,
  // `memo` spares re-reading its files. Io on failure (nothing partial is left behind).
  Status save(const std::filesystem::path& source, const std::string& digest, bool directory,
              DigestMemo* memo);

  // Writes the version `digest` to `target`, replacing what is there (atomically for a file;
  // for a directory, the old tree is swapped out and removed). NotFound when not cached.
  Status restore(const std::string& digest, bool directory, const std::filesystem::path& target);

  std::filesystem::path object_path(const std::string& digest) const;

 private:
  Status save_file(const std::filesystem::path& source, const std::string& digest);
  std::filesystem::path m_root;
};

// Copies `source` to `target` (created new), as a reflink where the filesystem can.
Status copy_file_contents(const std::filesystem::path& source, const std::filesystem::path& target,
                          bool executable);

}  // namespace mlops
