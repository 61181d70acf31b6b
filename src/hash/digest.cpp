#include "hash/digest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <xxhash.h>

#include "util/unique_fd.hpp"

namespace mlops {

struct Hasher::State {
  XXH3_state_t* xxh = XXH3_createState();
  ~State() { XXH3_freeState(xxh); }
};

Hasher::Hasher() : m_state(std::make_unique<State>()) {
  XXH3_128bits_reset(m_state->xxh);
}
Hasher::~Hasher() = default;

void Hasher::update(std::string_view bytes) {
  XXH3_128bits_update(m_state->xxh, bytes.data(), bytes.size());
}

void Hasher::add_field(std::string_view bytes) {
  uint64_t length = bytes.size();
  unsigned char prefix[8];
  for (int i = 0; i < 8; ++i) {
    prefix[i] = static_cast<unsigned char>(length >> (8 * i));  // little-endian on every host
  }
  update(std::string_view(reinterpret_cast<const char*>(prefix), sizeof prefix));
  update(bytes);
}

Digest Hasher::finish() const {
  XXH128_hash_t hash = XXH3_128bits_digest(m_state->xxh);
  return Digest{hash.high64, hash.low64};
}

std::string Digest::hex() const {
  return fmt::format("{:016x}{:016x}", high, low);
}

Result<Digest> Digest::from_hex(std::string_view hex) {
  if (hex.size() != 32 || hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return Error(ErrorKind::InvalidSpec, fmt::format("'{}' is not a 32-digit hex digest", hex));
  }
  Digest digest;
  digest.high = std::stoull(std::string(hex.substr(0, 16)), nullptr, 16);
  digest.low = std::stoull(std::string(hex.substr(16)), nullptr, 16);
  return digest;
}

Digest digest_bytes(std::string_view bytes) {
  Hasher hasher;
  hasher.update(bytes);
  return hasher.finish();
}

uint64_t hash64(std::string_view bytes, uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

namespace {

Error io_error(const std::filesystem::path& path, int err) {
  return Error(err == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
               fmt::format("cannot read {}: {}", path.string(), std::strerror(err)));
}

struct Walk {
  DigestMemo* memo = nullptr;
  DigestCounters* counters = nullptr;
};

FileIdentity identity_of(const struct stat& info) {
  return {static_cast<uint64_t>(info.st_dev), static_cast<uint64_t>(info.st_ino),
          static_cast<uint64_t>(info.st_size),
          static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec,
          static_cast<int64_t>(info.st_ctim.tv_sec) * 1000000000 + info.st_ctim.tv_nsec};
}

bool recently_modified(const FileIdentity& identity) {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  int64_t now_ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
  return std::max(identity.mtime_ns, identity.ctime_ns) > now_ns - 2'000'000'000LL;
}

// The end of hashing a file: the digest, the counters, and the memo, if the file did not change
// while it was read.
Result<PathDigest> finish_file(const std::filesystem::path& path, const UniqueFd& fd,
                               const std::optional<FileIdentity>& identity, const Hasher& hasher,
                               PathDigest result, const Walk& walk) {
  result.digest = hasher.finish();
  if (walk.counters) {
    walk.counters->bytes_read += result.size;
  }
  struct stat after {};
  if (identity && ::fstat(fd.get(), &after) == 0 && identity_of(after) == *identity) {
    walk.memo->remember(path.string(), *identity, result.digest, !recently_modified(*identity));
  }
  return result;
}

// Hashes the open file `fd` from offset 0 to its end into `hasher`; its size in `size`. With
// read(), not a mapping: on the 2-core VM this project is measured on, hashing through a
// read-only mapping (once the faster way, saving read()'s copy) runs at about a quarter of the
// speed, since every page it maps costs a fault, and a file truncated meanwhile raised SIGBUS.
Status hash_fd(int fd, const std::filesystem::path& path, Hasher& hasher, uint64_t& size) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  // One buffer per thread, not zeroed: allocating and clearing 1 MiB per file would cost more
  // than hashing a small file.
  constexpr size_t k_block = 1 << 20;
  thread_local std::unique_ptr<char[]> buffer(new char[k_block]);
  size = 0;
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(fd, buffer.get(), k_block, offset);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return io_error(path, errno);
    }
    if (n == 0) {
      return Status::success();
    }
    hasher.update(std::string_view(buffer.get(), static_cast<size_t>(n)));
    size += static_cast<uint64_t>(n);
    offset += n;
  }
}

// `info`: the file's stat, taken by the caller (following links as it chose).
Result<PathDigest> digest_file(const std::filesystem::path& path, const struct stat& info,
                               const Walk& walk) {
  // With a memo, the stat by path decides first: an unchanged file is not even opened.
  std::optional<FileIdentity> identity;
  if (walk.memo) {
    identity = identity_of(info);
    if (auto known = walk.memo->find(path.string(), *identity)) {
      if (walk.counters) {
        ++walk.counters->memo_hits;
      }
      return PathDigest{*known, identity->size, false};
    }
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return io_error(path, errno);
  }
  if (walk.counters) {
    ++walk.counters->files_read;
  }
  Hasher hasher;
  PathDigest result;
  MLOPS_CHECK(hash_fd(fd.get(), path, hasher, result.size));
  return finish_file(path, fd, identity, hasher, result, walk);
}

Result<PathDigest> digest_entry(const std::filesystem::path& path, bool follow_links,
                                const Walk& walk);

Result<PathDigest> digest_directory(const std::filesystem::path& path, const Walk& walk) {
  std::error_code error;
  std::vector<std::filesystem::path> entries;
  for (std::filesystem::directory_iterator it(path, error), end; !error && it != end;
       it.increment(error)) {
    if (it->path().filename() != ".mlops") {
      entries.push_back(it->path());
    }
  }
  if (error) {
    return io_error(path, error.value());
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
  Hasher hasher;
  hasher.add_field("mlops-directory-v1");
  PathDigest result;
  result.is_directory = true;
  for (const auto& entry : entries) {
    auto child = digest_entry(entry, false, walk);
    if (!child.ok()) {
      return child.error();
    }
    hasher.add_field(entry.filename().string());
    hasher.add_field(child->is_directory ? "d" : "f");
    hasher.add_field(child->digest.hex());
    result.size += child->size;
  }
  result.digest = hasher.finish();
  return result;
}

Result<PathDigest> digest_entry(const std::filesystem::path& path, bool follow_links,
                                const Walk& walk) {
  // One stat decides the kind and, for a file, serves the memo.
  struct stat info {};
  if ((follow_links ? ::stat(path.c_str(), &info) : ::lstat(path.c_str(), &info)) != 0) {
    return io_error(path, errno);
  }
  if (S_ISREG(info.st_mode)) {
    return digest_file(path, info, walk);
  }
  if (S_ISDIR(info.st_mode)) {
    return digest_directory(path, walk);
  }
  if (S_ISLNK(info.st_mode)) {
    std::error_code error;
    auto target = std::filesystem::read_symlink(path, error);
    if (error) {
      return io_error(path, error.value());
    }
    PathDigest result;
    Hasher hasher;
    hasher.add_field("mlops-symlink-v1");
    hasher.add_field(target.string());
    result.digest = hasher.finish();
    return result;
  }
  return Error(ErrorKind::Io, fmt::format("{} is not a file, directory or link; mlops "
                                          "cannot version it",
                                          path.string()));
}

}  // namespace

Result<PathDigest> digest_path(const std::filesystem::path& path, DigestMemo* memo,
                               DigestCounters* counters) {
  return digest_entry(path, true, Walk{memo, counters});
}

std::optional<FileIdentity> identity_of_fd(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return std::nullopt;
  }
  return identity_of(info);
}

bool is_settled(const FileIdentity& identity) {
  return !recently_modified(identity);
}

Result<Digest> digest_fd(int fd, const std::filesystem::path& path, uint64_t* size) {
  Hasher hasher;
  uint64_t length = 0;
  MLOPS_CHECK(hash_fd(fd, path, hasher, length));
  if (size) {
    *size = length;
  }
  return hasher.finish();
}

}  // namespace mlops
