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
// Verified restores: every byte copied out of the cache is hashed on the way (the copy reads
// it anyway), and an object whose bytes do not match its name, or a manifest that does not
// parse (cache/manifest.hpp), is moved to .mlops/cache/quarantine/<digest>[.dir]-<16 hex> and
// the restore fails with Corrupt saying so: callers run the stage instead, or report it. A
// restore therefore never uses a reflink: a clone would not read the bytes.
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
#include <vector>

#include "cache/manifest.hpp"
#include "hash/digest.hpp"
#include "util/error.hpp"

namespace mlops {

// What a sweep removed (or, for a dry run, would remove).
struct SweepStats {
  uint64_t objects_removed = 0;     // files and directory manifests
  uint64_t temp_files_removed = 0;  // partial writes left by a process that died
  uint64_t bytes_freed = 0;
};

// What verify() found.
struct VerifyStats {
  uint64_t objects_checked = 0;       // files and manifests
  std::vector<std::string> problems;  // one message per quarantined object
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
  // for a directory, the old tree is swapped out and removed; a symbolic link at `target` is
  // replaced, never followed). Every byte is verified against its digest. NotFound when not
  // cached; Corrupt when an object or the manifest is damaged (it is quarantined, and the
  // message says where it went); Io when writing fails. The caller checks that `target` is
  // safe to write (util/paths.hpp: checked_write_path).
  Status restore(const std::string& digest, bool directory, const std::filesystem::path& target);

  // Checks every object (its bytes against its name) and every manifest (parse_manifest) under
  // objects/<2 hex>/, quarantining each bad one. Io when the objects directory cannot be listed.
  Result<VerifyStats> verify();

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
  Status restore_file(const std::string& digest, const std::filesystem::path& target,
                      bool executable);
  Status fill_directory(const std::vector<ManifestEntry>& entries,
                        const std::filesystem::path& temp);
  static Status swap_in_directory(const std::filesystem::path& temp,
                                  const std::filesystem::path& target);
  // Moves an object (or a directory's manifest) to quarantine/; returns where it went.
  Result<std::filesystem::path> quarantine(const std::string& digest, bool manifest);
  // Quarantines the object and returns the Corrupt error that says so.
  Status corrupt_object(const std::string& digest, bool manifest, const std::string& problem);
  std::filesystem::path m_root;
};

// Copies `source` to `target` (created new), as a reflink where the filesystem can.
Status copy_file_contents(const std::filesystem::path& source, const std::filesystem::path& target,
                          bool executable);

// Copies `source` to `target` (created new) with a plain read/write loop, hashing the bytes on
// the way: Corrupt (and `target` removed) when they do not hash to `expected`; Io on failure.
Status copy_file_verified(const std::filesystem::path& source, const std::filesystem::path& target,
                          bool executable, const std::string& expected);

}  // namespace mlops
