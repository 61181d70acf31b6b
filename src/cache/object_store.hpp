// The content-addressed cache of outputs: .mlops/cache/objects/<2 hex>/<30 hex>.
//
// A file is stored under its digest. A directory is stored as a manifest (<digest>.dir, JSON:
// each file's relative path, digest and executable bit, each link's target) plus its files'
// objects. Objects are written to a temporary name, then renamed, so a crash never leaves a
// partial object under a real name, and they are made read-only.
//
// Temporary names: an object being written is <30 hex>.tmp-<16 hex>, a manifest being written
// <30 hex>.dir.tmp-<8 hex> (util/file_io's atomic write). Only this class knows the layout:
// gc hands sweep() the digests that must stay and the cache removes the rest.
//
// Copies, not hard links: a hard link would share the inode with the workspace file, and a tool
// that rewrites its output in place (or anything running as root, which ignores the read-only
// mode) would silently corrupt the cached version. Where the filesystem supports it (btrfs, XFS,
// overlayfs over them) the copy is a reflink (FICLONE): instant and sharing blocks until either
// side is written; elsewhere it is a plain copy.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "hash/digest.hpp"
#include "util/error.hpp"

namespace mlops {

// What a sweep removed (or, for a dry run, would remove).
struct SweepStats {
  uint64_t objects_removed = 0;     // files and directory manifests
  uint64_t temp_files_removed = 0;  // partial writes left by a process that died
  uint64_t bytes_freed = 0;
};

enum class SweepMode { Remove, DryRun };

// A temporary file younger than this may belong to a process still writing it.
inline constexpr std::chrono::minutes k_stale_temp_age{15};

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

  // Adds `digest` to `live` and, for a directory, the digests of the files its manifest lists
  // (a missing or malformed manifest adds nothing more: there is nothing of it to keep).
  void add_live(const std::string& digest, bool directory, std::set<std::string>& live) const;

  // Removes every object and manifest whose digest is not in `live`, and temporary files older
  // than `temp_age`, walking only objects/<2 hex>/ (never following a symlink; files whose names
  // are not the cache's own are left alone). The caller must keep writers out meanwhile (gc
  // holds the cache lock exclusively). A missing cache is empty. Io when the objects directory
  // cannot be listed; a file that cannot be removed is skipped and not counted.
  // Objects written less than `object_age` ago are kept even when not live (a run in progress
  // may have saved them before recording them).
  Result<SweepStats> sweep(const std::set<std::string>& live, SweepMode mode,
                           std::chrono::seconds temp_age = k_stale_temp_age,
                           std::chrono::seconds object_age = std::chrono::seconds(0));

 private:
  Status save_file(const std::filesystem::path& source, const std::string& digest);
  std::filesystem::path m_root;
};

// Copies `source` to `target` (created new), as a reflink where the filesystem can.
Status copy_file_contents(const std::filesystem::path& source, const std::filesystem::path& target,
                          bool executable);

}  // namespace mlops
