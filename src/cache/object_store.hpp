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
// Saving hashes and stores in one pass (store()): a new file is read once, and the bytes that go
// into the cache are the bytes hashed, so an object always matches its name, even if the output
// changes meanwhile (then the save fails instead). A file that is already cached is not written.
//
// Copies by default (CacheLink::Copy): a hard link would share the inode with the workspace file,
// and a tool that rewrites its output in place (or anything running as root, which ignores the
// read-only mode) would corrupt the cached version. Where the filesystem supports it (btrfs, XFS,
// overlayfs over them) the copy is a reflink (FICLONE): instant and sharing blocks until either
// side is written; elsewhere it is a plain copy. With CacheLink::Hardlink (the pipeline's
// `cache_link: hardlink`) a saved file instead becomes its object: its write bits are cleared and
// it is hard-linked into the cache, and a restore links the object back (after verifying it).
// Only a regular file that is its inode's only name is linked (never a symbolic link's target,
// nor a file hard-linked elsewhere, which could be a dep); everything else, and every file where
// linking fails (another filesystem), is copied. Corruption through a link (an in-place edit as
// root) is caught like any other: by the digest check of restore() and verify().
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cache/manifest.hpp"
#include "hash/digest.hpp"
#include "spec/pipeline.hpp"
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

// An output hashed and stored (ObjectStore::store).
struct StoredVersion {
  PathDigest version;                // the workspace file's or tree's digest
  Status saved = Status::success();  // Io when the cache could not take it
};

// A temporary file younger than this may belong to a process still writing it.
inline constexpr std::chrono::minutes k_stale_temp_age{15};

class ObjectStore {
 public:
  explicit ObjectStore(std::filesystem::path root) : m_root(std::move(root)) {}

  // Whether the version with `digest` (a file, or a directory's manifest) is complete here.
  bool has(const std::string& digest, bool directory) const;

  // Hashes the output `source` (a file, or a directory tree) and stores it unless it is there
  // already, as `link` says (above). `memo`, when given, spares reading files whose identity it
  // knows and learns the digests read. Fails (NotFound, Io) only when `source` cannot be hashed;
  // a failure to store it (Io, nothing partial left behind) is in `saved`.
  Result<StoredVersion> store(const std::filesystem::path& source, CacheLink link,
                              DigestMemo* memo);

  // Stores `source`, whose digest is `digest`, unless it is there already. For a directory,
  // `memo` spares re-reading its files. Io on failure (nothing partial is left behind), also
  // when `source` no longer hashes to `digest`.
  Status save(const std::filesystem::path& source, const std::string& digest, bool directory,
              DigestMemo* memo, CacheLink link = CacheLink::Copy);

  // Writes the version `digest` to `target`, replacing what is there (atomically for a file;
  // for a directory, the old tree is swapped out and removed; a symbolic link at `target` is
  // replaced, never followed). Every byte is verified against its digest. With
  // CacheLink::Hardlink, files are hard links to their (verified) objects where possible. NotFound
  // when not cached; Corrupt when an object or the manifest is damaged (it is quarantined, and
  // the message says where it went); Io when writing fails. The caller checks that `target` is
  // safe to write (util/paths.hpp: checked_write_path). A restored file's digest goes to `memo`.
  Status restore(const std::string& digest, bool directory, const std::filesystem::path& target,
                 CacheLink link = CacheLink::Copy, DigestMemo* memo = nullptr);

  // Checks every object (its bytes against its name) and every manifest (parse_manifest) under
  // objects/<2 hex>/, quarantining each bad one. Io when the objects directory cannot be listed.
  Result<VerifyStats> verify();

  std::filesystem::path object_path(const std::string& digest) const;
  // The directory holding objects/<2 hex>/ (what a caller syncs after writing many objects).
  std::filesystem::path objects_dir() const;

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
  Status save_file(const std::filesystem::path& source, const std::string& digest, CacheLink link,
                   DigestMemo* memo);
  // The file `source` (open as `fd`, with identity `before` when it was hashed to `digest`) into
  // the cache, linked or copied as `link` says; the object is verified (see the .cpp).
  Status put_file(int fd, const std::filesystem::path& source, const FileIdentity& before,
                  const std::string& digest, CacheLink link);
  Result<StoredVersion> store_file(const std::filesystem::path& source, CacheLink link,
                                   DigestMemo* memo);
  // Writes `bytes`, which hash to `digest`, as that object.
  Status write_object(const std::string& digest, std::string_view bytes);
  // Renames the finished temporary file `temp` to the object `digest`'s name.
  Status publish(const std::filesystem::path& temp, const std::string& digest,
                 const std::filesystem::path& source);
  // Creates objects/<2 hex>/ for `digest` once per process.
  void make_fan_out(const std::string& digest);
  // `executable`: the mode a copy gets; a link is made only when the object's matches (nothing:
  // any mode).
  Status restore_file(const std::string& digest, const std::filesystem::path& target,
                      std::optional<bool> executable, CacheLink link);
  // Hard-links the object `digest` (verified first: Corrupt) to `target`; false when it cannot be
  // linked (the caller copies instead).
  Result<bool> link_out(const std::string& digest, const std::filesystem::path& target,
                        std::optional<bool> executable);
  Status fill_directory(const std::vector<ManifestEntry>& entries,
                        const std::filesystem::path& temp, CacheLink link);
  static Status swap_in_directory(const std::filesystem::path& temp,
                                  const std::filesystem::path& target);
  // Moves an object (or a directory's manifest) to quarantine/; returns where it went.
  Result<std::filesystem::path> quarantine(const std::string& digest, bool manifest);
  // Quarantines the object and returns the Corrupt error that says so.
  Status corrupt_object(const std::string& digest, bool manifest, const std::string& problem);
  std::filesystem::path m_root;
  // Both may be used from several threads (engine/output_cache.hpp saves in the background).
  std::array<std::atomic<bool>, 256> m_fan_out_made{};
  std::atomic<bool> m_reflink_unsupported{false};
};

// Copies `source` to `target` (created new) with a plain read/write loop, hashing the bytes on
// the way: Corrupt (and `target` removed) when they do not hash to `expected`; Io on failure.
Status copy_file_verified(const std::filesystem::path& source, const std::filesystem::path& target,
                          bool executable, const std::string& expected);

}  // namespace mlops
