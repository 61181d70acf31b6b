// Content digests: XXH3-128 of bytes, files and directory trees.
//
// A digest is 128 bits, written as 32 lowercase hex digits. Files are read in 1 MiB blocks, so
// large files hash at near disk speed in constant memory. A directory's digest covers its
// entries sorted by name, each as (name, kind, digest of the entry), recursively; so a renamed,
// added, removed or changed file anywhere below changes it, and the order the filesystem lists
// entries in does not. Inside a directory, a symbolic link is hashed as its target text (it is
// not followed, so a link cycle cannot loop and a link cannot pull in files from elsewhere); the
// path given at the top is followed. `.mlops` directories are skipped. libxxhash is used only in
// digest.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mlops {

struct Digest {
  uint64_t high = 0;
  uint64_t low = 0;

  std::string hex() const;  // 32 lowercase hex digits
  static Result<Digest> from_hex(std::string_view hex);
  friend bool operator==(const Digest&, const Digest&) = default;
};

// Incremental hashing of a byte stream.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(std::string_view bytes);
  // Adds a length-prefixed field, so ("ab", "c") and ("a", "bc") differ.
  void add_field(std::string_view bytes);
  Digest finish() const;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

Digest digest_bytes(std::string_view bytes);

// A fast 64-bit hash of bytes (XXH3-64 with `seed`), for sketches and hash sets; not a content
// digest (64 bits collide too soon for that).
uint64_t hash64(std::string_view bytes, uint64_t seed = 0);

struct PathDigest {
  Digest digest;
  uint64_t size = 0;  // bytes of a file; the sum of file sizes for a directory
  bool is_directory = false;
};

// What identifies a file's contents without reading them, as git and ccache use it.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// Remembers file digests by identity, so unchanged files are not read again. The store keeps
// them between runs (engine/store_digest_memo.hpp).
class DigestMemo {
 public:
  virtual ~DigestMemo() = default;
  // The digest remembered for `path` if its identity is still `identity`.
  virtual std::optional<Digest> find(const std::string& path, const FileIdentity& identity) = 0;
  // `settled` is false for a file modified in the last two seconds: a write within the same
  // timestamp tick would not change its identity, so such a digest is good for this process at
  // most and must not be kept for later runs.
  virtual void remember(const std::string& path, const FileIdentity& identity, const Digest& digest,
                        bool settled) = 0;
};

// The identity of the open file `fd`; nothing when fstat fails.
std::optional<FileIdentity> identity_of_fd(int fd);

// Whether a digest taken of a file with `identity` may be kept for later runs: false when it was
// modified (or its inode changed: chmod, link) in the last two seconds, since a write within the
// same timestamp tick would not change its identity.
bool is_settled(const FileIdentity& identity);

// The digest of the open regular file `fd`, read from offset 0 to its end (`path` names it in
// errors). Io when it cannot be read or shrinks while being read.
Result<Digest> digest_fd(int fd, const std::filesystem::path& path, uint64_t* size = nullptr);

// What digest_path did: how many files it read and how many it took from the memo.
struct DigestCounters {
  uint64_t files_read = 0;
  uint64_t bytes_read = 0;
  uint64_t memo_hits = 0;
};

// The digest of a file, or of a directory tree. NotFound when `path` does not exist, Io when it
// (or something below it) cannot be read, or is neither a file, a directory nor a link.
// With a memo, a file whose identity is remembered is not read.
Result<PathDigest> digest_path(const std::filesystem::path& path, DigestMemo* memo = nullptr,
                               DigestCounters* counters = nullptr);

}  // namespace mlops
