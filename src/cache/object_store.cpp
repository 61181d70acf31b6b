#include "cache/object_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cache/manifest.hpp"
#include "cache/object_files.hpp"
#include "util/file_io.hpp"
#include "util/unique_fd.hpp"

namespace mlops {

using object_files::io;
using object_files::temp_suffix;

namespace {

constexpr size_t k_manifest_limit = 64 * 1024 * 1024;

bool is_executable(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && (info.st_mode & S_IXUSR) != 0;
}

// `source` opened for reading (with `extra_flags`) and `target` created new, for a copy.
Result<std::pair<UniqueFd, UniqueFd>> open_for_copy(const std::filesystem::path& source,
                                                    const std::filesystem::path& target,
                                                    bool executable, int extra_flags) {
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC | extra_flags));
  if (!in.valid()) {
    return io("cannot read " + source.string(), errno);
  }
  UniqueFd out(
      ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, executable ? 0755 : 0644));
  if (!out.valid()) {
    return io("cannot create " + target.string(), errno);
  }
  return std::pair<UniqueFd, UniqueFd>(std::move(in), std::move(out));
}

// Tells `memo` the digest of the file just restored at `target`, so that the stages reading it
// do not read it again.
void remember_restored(const std::filesystem::path& target, const std::string& digest,
                       DigestMemo* memo) {
  auto parsed = Digest::from_hex(digest);
  UniqueFd fd(memo ? ::open(target.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1);
  if (!fd.valid() || !parsed.ok()) {
    return;
  }
  if (auto identity = identity_of_fd(fd.get())) {
    memo->remember(target.string(), *identity, *parsed, is_settled(*identity));
  }
}

}  // namespace

Status copy_file_verified(const std::filesystem::path& source, const std::filesystem::path& target,
                          bool executable, const std::string& expected) {
  MLOPS_TRY(files, open_for_copy(source, target, executable, O_NOFOLLOW));
  UniqueFd& in = files->first;
  UniqueFd& out = files->second;
  Hasher hasher;
  // 128 KiB: hashed and written while in the CPU's cache (one 1 MiB write() cost about four
  // times as much on the 2-core VM, see object_save.cpp).
  thread_local std::vector<char> buffer(128 << 10);
  while (true) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
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
    if (!write_all(out.get(), bytes)) {
      return io("cannot write " + target.string(), errno);
    }
  }
  std::string actual = hasher.finish().hex();
  if (actual != expected) {
    std::error_code error;
    out = UniqueFd();
    std::filesystem::remove(target, error);
    return Error(ErrorKind::Corrupt, "its content hashes to " + actual);
  }
  return Status::success();
}

std::filesystem::path ObjectStore::objects_dir() const {
  return m_root / "objects";
}

std::filesystem::path ObjectStore::object_path(const std::string& digest) const {
  return objects_dir() / digest.substr(0, 2) / digest.substr(2);
}

bool ObjectStore::has(const std::string& digest, bool directory) const {
  std::error_code error;
  if (!is_object_digest(digest)) {
    return false;
  }
  if (!directory) {
    return std::filesystem::exists(object_path(digest), error);
  }
  auto manifest = read_file(object_path(digest).string() + ".dir", k_manifest_limit);
  if (!manifest.ok()) {
    return false;
  }
  auto entries = parse_manifest(*manifest);
  if (!entries.ok()) {
    return true;  // here, but damaged: restore() finds out, quarantines it and says so
  }
  for (const auto& entry : *entries) {
    if (entry.digest && !has(*entry.digest, false)) {
      return false;
    }
  }
  return true;
}

Status ObjectStore::save(const std::filesystem::path& source, const std::string& digest,
                         bool directory, DigestMemo* memo, CacheLink link) {
  if (!directory) {
    return save_file(source, digest, link, memo);
  }
  if (has(digest, true)) {
    return Status::success();
  }
  std::vector<ManifestEntry> entries;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(source, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    std::filesystem::path relative = it->path().lexically_relative(source);
    if (relative.begin()->string() == ".mlops") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink()) {
      entries.push_back({relative.generic_string(), std::nullopt,
                         std::filesystem::read_symlink(it->path()).string(), false});
      it.disable_recursion_pending();
    } else if (it->is_regular_file()) {
      auto file = digest_path(it->path(), memo);
      if (!file.ok()) {
        return file.error();
      }
      std::string file_digest = file->digest.hex();
      MLOPS_CHECK(save_file(it->path(), file_digest, link, memo));
      entries.push_back(
          {relative.generic_string(), file_digest, std::nullopt, is_executable(it->path())});
    }
  }
  if (error) {
    return io("cannot list " + source.string(), error.value());
  }
  std::filesystem::path manifest = object_path(digest).string() + ".dir";
  std::filesystem::create_directories(manifest.parent_path(), error);
  return write_file_atomic(manifest, manifest_text(entries));
}

Result<bool> ObjectStore::link_out(const std::string& digest, const std::filesystem::path& target,
                                   std::optional<bool> executable) {
  std::filesystem::path object = object_path(digest);
  UniqueFd fd(::open(object.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat info {};
  if (!fd.valid() || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
      (executable && ((info.st_mode & S_IXUSR) != 0) != *executable)) {
    return false;  // a copy says what is wrong, or gets the mode right
  }
  auto before = identity_of_fd(fd.get());
  auto actual = digest_fd(fd.get(), object);
  if (!actual.ok()) {
    return actual.error();
  }
  if (actual->hex() != digest) {
    return corrupt_object(digest, false, "its content hashes to " + actual->hex()).error();
  }
  if ((info.st_mode & 0222) != 0) {
    ::fchmod(fd.get(), info.st_mode & 0555);  // the workspace must not get a writable object
  }
  if (!object_files::link_open_file(fd.get(), object, target)) {
    return false;
  }
  auto after = identity_of_fd(fd.get());
  if (!before || !after || !object_files::same_content(*before, *after)) {
    ::unlink(target.c_str());
    return corrupt_object(digest, false, "it changed while it was being restored").error();
  }
  return true;
}

Status ObjectStore::restore_file(const std::string& digest, const std::filesystem::path& target,
                                 std::optional<bool> executable, CacheLink link) {
  if (!has(digest, false)) {
    return Error(ErrorKind::NotFound, "version " + digest + " is not in the cache");
  }
  if (link == CacheLink::Hardlink) {
    MLOPS_TRY(linked, link_out(digest, target, executable));
    if (*linked) {
      return Status::success();
    }
  }
  Status copied =
      copy_file_verified(object_path(digest), target, executable.value_or(false), digest);
  if (!copied.ok() && copied.error().kind() == ErrorKind::Corrupt) {
    return corrupt_object(digest, false, copied.error().message());
  }
  return copied;
}

Status ObjectStore::corrupt_object(const std::string& digest, bool manifest,
                                   const std::string& problem) {
  auto moved = quarantine(digest, manifest);
  return Error(ErrorKind::Corrupt,
               fmt::format("cached {} {}: {}; {}", manifest ? "directory manifest" : "object",
                           digest, problem,
                           moved.ok() ? "moved it to " + moved->string()
                                      : "could not move it aside: " + moved.error().message()));
}

Result<std::filesystem::path> ObjectStore::quarantine(const std::string& digest, bool manifest) {
  std::filesystem::path source = object_path(digest).string() + (manifest ? ".dir" : "");
  std::filesystem::path target =
      m_root / "quarantine" / (digest + (manifest ? ".dir" : "") + temp_suffix().substr(4));
  std::error_code error;
  std::filesystem::create_directories(target.parent_path(), error);
  if (::rename(source.c_str(), target.c_str()) != 0) {
    return io("cannot move " + source.string() + " to the quarantine", errno);
  }
  return target;
}

// Fills the fresh directory `temp` from a manifest's entries; on any failure, the caller removes
// `temp`. Entries are validated (parse_manifest), so every path stays below `temp`.
Status ObjectStore::fill_directory(const std::vector<ManifestEntry>& entries,
                                   const std::filesystem::path& temp, CacheLink link) {
  std::error_code error;
  for (const auto& entry : entries) {
    std::filesystem::path path = temp / entry.path;
    std::filesystem::create_directories(path.parent_path(), error);
    if (entry.link) {
      std::filesystem::create_symlink(*entry.link, path, error);
      if (error) {
        return io("cannot create the link " + path.string(), error.value());
      }
      continue;
    }
    MLOPS_CHECK(restore_file(*entry.digest, path, entry.executable, link));
  }
  return Status::success();
}

Status ObjectStore::restore(const std::string& digest, bool directory,
                            const std::filesystem::path& target, CacheLink link, DigestMemo* memo) {
  std::error_code error;
  if (!is_object_digest(digest)) {
    return Error(ErrorKind::Corrupt, "'" + digest + "' is not a digest (the store was edited?)");
  }
  std::filesystem::create_directories(target.parent_path(), error);
  std::filesystem::path temp = target.string() + temp_suffix();
  if (!directory) {
    MLOPS_CHECK(restore_file(
        digest, temp, link == CacheLink::Hardlink ? std::nullopt : std::optional(false), link));
    if (::rename(temp.c_str(), target.c_str()) != 0) {
      int err = errno;
      std::filesystem::remove(temp, error);
      return io("cannot restore " + target.string(), err);
    }
    remember_restored(target, digest, memo);
    return Status::success();
  }
  auto manifest = read_file(object_path(digest).string() + ".dir", k_manifest_limit);
  if (!manifest.ok()) {
    return Error(ErrorKind::NotFound, "directory version " + digest + " is not in the cache");
  }
  auto entries = parse_manifest(*manifest);
  if (!entries.ok()) {
    return corrupt_object(digest, true, entries.error().message());
  }
  std::filesystem::create_directories(temp, error);
  if (Status filled = fill_directory(*entries, temp, link); !filled.ok()) {
    std::filesystem::remove_all(temp, error);
    return filled;
  }
  return swap_in_directory(temp, target);
}

// Puts the finished tree `temp` at `target`, replacing what is there (a link: the link itself).
Status ObjectStore::swap_in_directory(const std::filesystem::path& temp,
                                      const std::filesystem::path& target) {
  std::error_code error;
  std::filesystem::path old = target.string() + temp_suffix();
  bool had_old = std::filesystem::exists(std::filesystem::symlink_status(target, error));
  if (had_old && ::rename(target.c_str(), old.c_str()) != 0) {
    int err = errno;
    std::filesystem::remove_all(temp, error);
    return io("cannot replace " + target.string(), err);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    int err = errno;
    if (had_old) {
      ::rename(old.c_str(), target.c_str());
    }
    std::filesystem::remove_all(temp, error);
    return io("cannot restore " + target.string(), err);
  }
  if (had_old) {
    std::filesystem::remove_all(old, error);  // a symlink: the link only
  }
  return Status::success();
}

}  // namespace mlops
