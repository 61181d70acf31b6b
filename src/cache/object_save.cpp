// Saving outputs into the object cache: hashing and storing in one pass, linking or copying.
//
// Every way into the cache checks that the object's bytes are the ones named by its digest:
//   - a copy hashes the bytes it writes (store_file: the same buffer is hashed and written;
//     put_file: a pread loop that hashes as it copies) and compares;
//   - a reflink or a hard link shares the output's bytes without reading them, so the output's
//     identity (device, inode, size, mtime) must be the one it had when it was hashed, before and
//     after the clone or link;
// and anything else fails the save, leaving nothing under the object's name.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "cache/object_files.hpp"
#include "cache/object_store.hpp"
#include "util/file_io.hpp"
#include "util/unique_fd.hpp"

namespace mlops {
namespace object_files {

std::string temp_suffix() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format(".tmp-{:016x}", random());
}

Error io(const std::string& what, int err) {
  return Error(ErrorKind::Io, fmt::format("{}: {}", what, std::strerror(err)));
}

bool same_content(const FileIdentity& a, const FileIdentity& b) {
  return a.device == b.device && a.inode == b.inode && a.size == b.size && a.mtime_ns == b.mtime_ns;
}

bool link_open_file(int fd, const std::filesystem::path& source,
                    const std::filesystem::path& target) {
  std::string self = fmt::format("/proc/self/fd/{}", fd);
  if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, target.c_str(), AT_SYMLINK_FOLLOW) == 0) {
    return true;
  }
  if (errno != ENOENT || ::access("/proc/self/fd", F_OK) == 0) {
    return false;
  }
  struct stat opened {};
  struct stat linked {};
  if (::fstat(fd, &opened) != 0 || ::link(source.c_str(), target.c_str()) != 0) {
    return false;
  }
  if (::lstat(target.c_str(), &linked) == 0 && linked.st_ino == opened.st_ino &&
      linked.st_dev == opened.st_dev) {
    return true;
  }
  ::unlink(target.c_str());  // `source` was replaced meanwhile: not the file we opened
  return false;
}

}  // namespace object_files

using object_files::io;
using object_files::same_content;
using object_files::temp_suffix;

namespace {

// Files up to this size are read into memory once, hashed on the way and, when not cached yet,
// written from there. Larger ones are hashed first (through a mapping) and copied after.
constexpr uint64_t k_buffered_limit = 8 << 20;

// Writes go to the kernel in pieces of this size: measured on the 2-core VM, one 1 MiB write()
// costs about four times what eight of 128 KiB do (copying from a buffer that fits the CPU's
// cache), which made a copy through memory slower than copy_file_range.
constexpr size_t k_write_chunk = 128 << 10;

bool write_chunked(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), k_write_chunk);
    if (!write_all(fd, bytes.substr(0, n))) {
      return false;
    }
    bytes.remove_prefix(n);
  }
  return true;
}

Error changed_while_cached(const std::filesystem::path& source) {
  return Error(ErrorKind::Io, source.string() + " changed while it was being cached");
}

// Reads the open file `fd` to its end into `buffer`, hashing it. Io on a read error.
Result<Digest> read_hashing(int fd, const std::filesystem::path& source, std::vector<char>& buffer,
                            size_t expected) {
  constexpr size_t k_chunk = k_write_chunk;  // hashed while still in the CPU's cache
  buffer.resize(expected + 1);               // one more byte: a file that grew shows as changed
  Hasher hasher;
  size_t length = 0;
  while (length < buffer.size()) {
    ssize_t n = ::pread(fd, buffer.data() + length, std::min(k_chunk, buffer.size() - length),
                        static_cast<off_t>(length));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return io("cannot read " + source.string(), errno);
    }
    if (n == 0) {
      break;
    }
    hasher.update(std::string_view(buffer.data() + length, static_cast<size_t>(n)));
    length += static_cast<size_t>(n);
  }
  buffer.resize(length);
  return hasher.finish();
}

// Copies the open file `fd` into the new file `out` with a pread/write loop, hashing the bytes
// written: Io when they do not hash to `digest` or reading or writing fails.
Status copy_hashing(int fd, int out, const std::filesystem::path& source,
                    const std::string& digest) {
  thread_local std::vector<char> buffer(k_write_chunk);
  Hasher hasher;
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return io("cannot read " + source.string(), errno);
    }
    if (n == 0) {
      break;
    }
    std::string_view bytes(buffer.data(), static_cast<size_t>(n));
    hasher.update(bytes);
    if (!write_all(out, bytes)) {
      return io("cannot write to the cache", errno);
    }
    offset += n;
  }
  if (hasher.finish().hex() != digest) {
    return changed_while_cached(source);
  }
  return Status::success();
}

}  // namespace

void ObjectStore::make_fan_out(const std::string& digest) {
  size_t index = std::stoul(digest.substr(0, 2), nullptr, 16);
  if (m_fan_out_made[index].load(std::memory_order_relaxed)) {
    return;
  }
  std::error_code error;
  std::filesystem::create_directories(object_path(digest).parent_path(), error);
  if (!error) {
    m_fan_out_made[index].store(true, std::memory_order_relaxed);
  }
}

Status ObjectStore::publish(const std::filesystem::path& temp, const std::string& digest,
                            const std::filesystem::path& source) {
  std::filesystem::path target = object_path(digest);
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return io("cannot store " + source.string() + " in the cache", err);
  }
  return Status::success();
}

Status ObjectStore::write_object(const std::string& digest, std::string_view bytes) {
  make_fan_out(digest);
  std::filesystem::path temp = object_path(digest).string() + temp_suffix();
  UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!out.valid()) {
    return io("cannot create " + temp.string(), errno);
  }
  if (!write_chunked(out.get(), bytes)) {
    int err = errno;
    ::unlink(temp.c_str());
    return io("cannot write " + temp.string(), err);
  }
  out.reset();
  return publish(temp, digest, temp);
}

// `before` is the identity `fd` had when it was hashed to `digest`. Hard link (when asked and
// allowed), else reflink (where the filesystem can), else a copy that hashes what it writes.
Status ObjectStore::put_file(int fd, const std::filesystem::path& source,
                             const FileIdentity& before, const std::string& digest,
                             CacheLink link) {
  make_fan_out(digest);
  std::filesystem::path temp = object_path(digest).string() + temp_suffix();
  struct stat opened {};
  struct stat named {};
  if (::fstat(fd, &opened) != 0) {
    return io("cannot read " + source.string(), errno);
  }
  // Only a regular file that is its inode's only name, reached without a symbolic link: linking
  // (and making read-only) a link's target or a file with other names would reach files that
  // are not this output.
  if (link == CacheLink::Hardlink && S_ISREG(opened.st_mode) && opened.st_nlink == 1 &&
      ::lstat(source.c_str(), &named) == 0 && S_ISREG(named.st_mode) &&
      named.st_ino == opened.st_ino && named.st_dev == opened.st_dev) {
    mode_t mode = opened.st_mode & 07777;
    if (::fchmod(fd, mode & 0555) == 0) {
      if (object_files::link_open_file(fd, source, temp)) {
        auto after = identity_of_fd(fd);
        if (after && same_content(*after, before)) {
          return publish(temp, digest, source);
        }
        ::unlink(temp.c_str());
        ::fchmod(fd, mode);
        return changed_while_cached(source);
      }
      ::fchmod(fd, mode);  // cannot link here: copy, and leave the output as it was
    }
  }
  UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!out.valid()) {
    return io("cannot create " + temp.string(), errno);
  }
  Status copied = Status::success();
  if (!m_reflink_unsupported.load(std::memory_order_relaxed) &&
      ::ioctl(out.get(), FICLONE, fd) == 0) {
    auto after = identity_of_fd(fd);
    copied = after && *after == before ? Status::success() : Status(changed_while_cached(source));
  } else {
    m_reflink_unsupported.store(true, std::memory_order_relaxed);
    copied = copy_hashing(fd, out.get(), source, digest);
  }
  out.reset();
  if (!copied.ok()) {
    ::unlink(temp.c_str());
    return copied;
  }
  return publish(temp, digest, source);
}

Result<StoredVersion> ObjectStore::store_file(const std::filesystem::path& source, CacheLink link,
                                              DigestMemo* memo) {
  UniqueFd fd(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return Error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                 fmt::format("cannot read {}: {}", source.string(), std::strerror(errno)));
  }
  auto before = identity_of_fd(fd.get());
  if (!before) {
    return io("cannot read " + source.string(), errno);
  }
  StoredVersion stored;
  stored.version.size = before->size;
  std::optional<Digest> known = memo ? memo->find(source.string(), *before) : std::nullopt;
  thread_local std::vector<char> buffer;
  bool buffered = !known && link == CacheLink::Copy && before->size <= k_buffered_limit;
  if (known) {
    stored.version.digest = *known;
  } else {
    uint64_t size = 0;
    auto digest = buffered ? read_hashing(fd.get(), source, buffer, before->size)
                           : digest_fd(fd.get(), source, &size);
    if (!digest.ok()) {
      return digest.error();
    }
    auto after = identity_of_fd(fd.get());
    if (!after || !(*after == *before) || (buffered ? buffer.size() : size) != before->size) {
      return changed_while_cached(source);
    }
    stored.version.digest = *digest;
    if (memo) {
      memo->remember(source.string(), *before, *digest, is_settled(*before));
    }
  }
  std::string hex = stored.version.digest.hex();
  if (has(hex, false)) {
    return stored;
  }
  if (buffered && m_reflink_unsupported.load(std::memory_order_relaxed)) {
    stored.saved = write_object(hex, std::string_view(buffer.data(), buffer.size()));
    return stored;
  }
  stored.saved = put_file(fd.get(), source, *before, hex, link);
  // A hard link or chmod changed the output's ctime, not its bytes: tell the memo, so that the
  // stages reading it in this run do not read it again.
  if (auto now = identity_of_fd(fd.get());
      memo && now && !(*now == *before) && same_content(*now, *before)) {
    memo->remember(source.string(), *now, stored.version.digest, is_settled(*now));
  }
  return stored;
}

Result<StoredVersion> ObjectStore::store(const std::filesystem::path& source, CacheLink link,
                                         DigestMemo* memo) {
  std::error_code error;
  auto status = std::filesystem::status(source, error);
  if (!error && std::filesystem::is_regular_file(status)) {
    return store_file(source, link, memo);
  }
  // A directory, or something digest_path reports as it should (missing, a device, ...).
  MLOPS_TRY(digest, digest_path(source, memo));
  StoredVersion stored{*digest};
  if (digest->is_directory) {
    stored.saved = save(source, digest->digest.hex(), true, memo, link);
  }
  return stored;
}

Status ObjectStore::save_file(const std::filesystem::path& source, const std::string& digest,
                              CacheLink link, DigestMemo* memo) {
  if (has(digest, false)) {
    return Status::success();
  }
  UniqueFd fd(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return io("cannot read " + source.string(), errno);
  }
  auto before = identity_of_fd(fd.get());
  if (!before) {
    return io("cannot read " + source.string(), errno);
  }
  // A link or a clone does not read the bytes: they must be known to hash to `digest`.
  std::optional<Digest> known = memo ? memo->find(source.string(), *before) : std::nullopt;
  if (!known || known->hex() != digest) {
    auto actual = digest_fd(fd.get(), source);
    auto after = identity_of_fd(fd.get());
    if (!actual.ok() || actual->hex() != digest || !after || !(*after == *before)) {
      return actual.ok() ? changed_while_cached(source) : actual.error();
    }
  }
  return put_file(fd.get(), source, *before, digest, link);
}

}  // namespace mlops
