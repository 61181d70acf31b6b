// A remote that is a directory: a shared filesystem (NFS, a mounted bucket) or a local disk.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "cache/manifest.hpp"
#include "hash/digest.hpp"
#include "remote/remote.hpp"
#include "util/file_io.hpp"
#include "util/unique_fd.hpp"

namespace mlops {
namespace {

constexpr size_t k_block = size_t{1} << 20;
constexpr size_t k_max_manifest_bytes = size_t{256} << 20;
constexpr size_t k_max_entry_bytes = size_t{16} << 20;
constexpr uint64_t k_publish_bytes = uint64_t{1} << 30;
constexpr auto k_stale_temp_age = std::chrono::hours(24);

// Unique per process (a random start drawn once: opening the random device per object showed
// in profiles) and per call; O_EXCL catches the rest.
std::string temp_suffix() {
  static const uint64_t start = [] {
    std::random_device random;
    return (uint64_t{random()} << 32) | random();
  }();
  static std::atomic<uint64_t> next{0};
  return fmt::format(".tmp-{:016x}", start + next++);
}

// Opens `path` for reading when it is a regular file, not a link (mlops writes no link there).
// Anything else in a remote's place of an object or entry (a FIFO would block forever,
// /dev/zero never ends, a link to /etc/shadow would be copied into the cache to be hashed) is
// refused without reading: O_NONBLOCK keeps the open of a FIFO from waiting.
Result<UniqueFd> open_regular(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
  if (!fd.valid() && errno == ELOOP) {
    return Error(ErrorKind::Corrupt,
                 fmt::format("{} is a symbolic link, not an object: refused", path.string()));
  }
  if (!fd.valid()) {
    return Error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                 fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Error(ErrorKind::Corrupt,
                 fmt::format("{} is not a regular file: refused", path.string()));
  }
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return fd;
}

// The bytes of the regular file `path`; Corrupt beyond `limit` bytes.
Result<std::string> read_regular(const std::filesystem::path& path, size_t limit) {
  MLOPS_TRY(fd, open_regular(path));
  std::string text;
  std::string buffer(size_t{64} << 10, '\0');
  while (true) {
    ssize_t got = ::read(fd->get(), buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    }
    if (got == 0) {
      return text;
    }
    text.append(buffer.data(), static_cast<size_t>(got));
    if (text.size() > limit) {
      return Error(ErrorKind::Corrupt,
                   fmt::format("{} is larger than {} bytes: refused", path.string(), limit));
    }
  }
}

// Copies `from` into the new file `to` inside the kernel (copy_file_range, as cp does: no copy
// through a user buffer, which cost 2-5x on this machine), falling back to read/write where the
// filesystems cannot. True when the kernel copied; false (nothing written) to fall back.
Result<bool> kernel_copy(int in, int out, const std::filesystem::path& to) {
  bool any = false;
  while (true) {
    ssize_t copied = ::copy_file_range(in, nullptr, out, nullptr, size_t{1} << 30, 0);
    if (copied < 0 && errno == EINTR) {
      continue;
    }
    if (copied < 0 && !any &&
        (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP ||
         errno == EBADF)) {
      return false;
    }
    if (copied < 0) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot write {}: {}", to.string(), std::strerror(errno)));
    }
    if (copied == 0) {
      return true;
    }
    any = true;
  }
}

Status user_copy(int in, int out, const std::filesystem::path& from,
                 const std::filesystem::path& to) {
  std::string buffer(k_block, '\0');
  while (true) {
    ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot read {}: {}", from.string(), std::strerror(errno)));
    }
    if (got == 0) {
      return Status::success();
    }
    if (!write_all(out, std::string_view(buffer.data(), static_cast<size_t>(got)))) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot write {}: {}", to.string(), std::strerror(errno)));
    }
  }
}

// Copies `from` to a new file `to`; the digest of what was written, hashed from the copy itself
// (read back from the page cache), so a source that changes while it is copied cannot make a
// verified name for other bytes.
Result<std::string> copy_hashing(const std::filesystem::path& from, const std::filesystem::path& to,
                                 bool sync) {
  MLOPS_TRY(in, open_regular(from));
  UniqueFd out(::open(to.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444));
  if (!out.valid()) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", to.string(), std::strerror(errno)));
  }
  MLOPS_TRY(kernel, kernel_copy(in->get(), out.get(), to));
  if (!*kernel) {
    MLOPS_CHECK(user_copy(in->get(), out.get(), from, to));
  }
  if (sync && ::fsync(out.get()) != 0) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot write {}: {}", to.string(), std::strerror(errno)));
  }
  MLOPS_TRY(digest, digest_fd(out.get(), to));
  return digest->hex();
}

class DirectoryRemote final : public Remote {
 public:
  explicit DirectoryRemote(std::filesystem::path root) : m_root(std::move(root)) {}

  std::string describe() const override { return m_root.string(); }

  Result<bool> has(const std::string& digest, bool manifest) override {
    std::error_code error;
    // Not through a link: get() refuses one, and a push replaces it with the object.
    bool there = std::filesystem::is_regular_file(
        std::filesystem::symlink_status(m_root / object_name(digest, manifest), error));
    if (error && error != std::errc::no_such_file_or_directory) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot look in the remote {}: {}", describe(), error.message()));
    }
    return there;
  }

  Status put(const std::string& digest, bool manifest,
             const std::filesystem::path& source) override {
    std::filesystem::path target = m_root / object_name(digest, manifest);
    std::error_code error;
    std::filesystem::create_directories(target.parent_path(), error);
    std::filesystem::create_directories(pending_dir(), error);
    // Written in tmp/pending/, where a push killed before publishing leaves it for a later
    // push to sweep (sweep_stale_temps), not beside the objects.
    std::filesystem::path temp =
        pending_dir() / (digest + (manifest ? ".dir" : "") + temp_suffix());
    // Not synced one by one: publish() syncs the remote's filesystem once, then renames.
    auto written = copy_hashing(source, temp, false);
    if (written.ok() && !manifest && *written != digest) {
      written = Error(ErrorKind::Corrupt,
                      fmt::format("{} no longer matches its digest {}", source.string(), digest));
    }
    if (!written.ok()) {
      ::unlink(temp.c_str());
      return written.error();
    }
    Batch batch;
    {
      std::lock_guard<std::mutex> guard(m_lock);
      m_pending.emplace_back(temp, target);
      m_pending_bytes += std::filesystem::file_size(temp, error);
      // A large push publishes as it goes: one killed later keeps what it published
      // (resumable). Outside the lock: the other transfers go on while the disk syncs.
      if (m_pending_bytes >= k_publish_bytes) {
        batch.swap(m_pending);
        m_pending_bytes = 0;
      }
    }
    return publish_batch(batch);
  }

  Status publish() override {
    Batch batch;
    {
      std::lock_guard<std::mutex> guard(m_lock);
      batch.swap(m_pending);
      m_pending_bytes = 0;
    }
    sweep_stale_temps();
    return publish_batch(batch);
  }

  ~DirectoryRemote() override {
    for (const auto& entry : m_pending) {
      ::unlink(entry.first.c_str());  // never published: nothing half-uploaded stays behind
    }
  }

  Status get(const std::string& digest, bool manifest,
             const std::filesystem::path& target) override {
    std::filesystem::path source = m_root / object_name(digest, manifest);
    std::filesystem::path temp = target.string() + temp_suffix();
    return accept_download(digest, manifest, copy_hashing(source, temp, false), temp, target,
                           describe());
  }

  Status put_entry(const std::string& name, const std::string& bytes) override {
    std::filesystem::path target = m_root / name;
    std::error_code error;
    std::filesystem::create_directories(target.parent_path(), error);
    Status written = write_file_atomic(target, bytes);
    if (!written.ok()) {
      return Error(ErrorKind::Io, fmt::format("cannot write {} in the remote {}: {}", name,
                                              describe(), written.error().message()));
    }
    return Status::success();
  }

  Result<std::optional<std::string>> get_entry(const std::string& name) override {
    auto text = read_regular(m_root / name, k_max_entry_bytes);  // a FIFO must not hang a run
    if (!text.ok()) {
      if (text.error().kind() == ErrorKind::NotFound) {
        return std::optional<std::string>();
      }
      return Error(ErrorKind::Io, fmt::format("cannot read {} in the remote {}: {}", name,
                                              describe(), text.error().message()));
    }
    return std::optional<std::string>(std::move(*text));
  }

 private:
  std::filesystem::path pending_dir() const { return m_root / "tmp" / "pending"; }

  using Batch = std::vector<std::pair<std::filesystem::path, std::filesystem::path>>;

  // Syncs the remote's filesystem once and renames every object of `batch` into its place; on
  // failure removes the batch's temporaries (nothing of it becomes visible).
  Status publish_batch(Batch& batch) {
    if (batch.empty()) {
      return Status::success();
    }
    UniqueFd root(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid() || ::syncfs(root.get()) != 0) {
      int err = errno;
      for (const auto& entry : batch) {
        ::unlink(entry.first.c_str());
      }
      return Error(ErrorKind::Io,
                   fmt::format("cannot sync the remote {}: {}", describe(), std::strerror(err)));
    }
    Status published = Status::success();
    for (const auto& [temp, target] : batch) {
      if (::rename(temp.c_str(), target.c_str()) != 0 && published.ok()) {
        published = Error(ErrorKind::Io, fmt::format("cannot publish {} in the remote {}: {}",
                                                     target.filename().string(), describe(),
                                                     std::strerror(errno)));
      }
    }
    batch.clear();
    ::syncfs(root.get());  // the renames themselves
    return published;
  }

  // Removes what pushes killed before publishing left in tmp/pending/: files nobody has written
  // to for a day (a live push publishes at least every k_publish_bytes).
  void sweep_stale_temps() {
    std::error_code error;
    auto now = std::filesystem::file_time_type::clock::now();
    for (std::filesystem::directory_iterator file(pending_dir(), error);
         !error && file != std::filesystem::directory_iterator(); file.increment(error)) {
      std::error_code file_error;
      auto written = file->last_write_time(file_error);
      if (!file_error && file->path().filename().string().find(".tmp-") != std::string::npos &&
          now - written > k_stale_temp_age) {
        std::filesystem::remove(file->path(), file_error);
      }
    }
  }

  std::filesystem::path m_root;
  std::mutex m_lock;
  Batch m_pending;  // temp, target
  uint64_t m_pending_bytes = 0;
};

}  // namespace

Status Remote::put_entry(const std::string& /*name*/, const std::string& /*bytes*/) {
  return Error(ErrorKind::Usage, fmt::format("the remote {} keeps no run-cache index", describe()));
}

Result<std::optional<std::string>> Remote::get_entry(const std::string& /*name*/) {
  return std::optional<std::string>();
}

bool is_entry_name(const std::string& name) {
  constexpr std::string_view prefix = "runcache/";
  return name.size() == prefix.size() + 32 && name.starts_with(prefix) &&
         is_object_digest(std::string_view(name).substr(prefix.size()));
}

Status accept_download(const std::string& digest, bool manifest,
                       const Result<std::string>& received, const std::filesystem::path& temp,
                       const std::filesystem::path& target, const std::string& where) {
  Status checked = received.ok() ? Status::success() : Status(received.error());
  if (checked.ok() && !manifest && *received != digest) {
    checked = Error(ErrorKind::Corrupt,
                    fmt::format("the remote's object {} does not match its digest (its bytes "
                                "hash to {}): refused; remove it from {} and push it again",
                                digest, *received, where));
  } else if (checked.ok() && manifest) {
    auto text = read_file(temp, k_max_manifest_bytes);
    auto parsed =
        text.ok() ? parse_manifest(*text) : Result<std::vector<ManifestEntry>>(text.error());
    if (!parsed.ok()) {
      checked = Error(ErrorKind::Corrupt, fmt::format("the remote's manifest {} is not valid: {}",
                                                      digest, parsed.error().message()));
    }
  }
  if (checked.ok() && ::rename(temp.c_str(), target.c_str()) != 0) {
    checked = Error(ErrorKind::Io,
                    fmt::format("cannot write {}: {}", target.string(), std::strerror(errno)));
  }
  if (!checked.ok()) {
    ::unlink(temp.c_str());
  }
  return checked;
}

std::string object_name(const std::string& digest, bool manifest) {
  return "objects/" + digest.substr(0, 2) + "/" + digest.substr(2) + (manifest ? ".dir" : "");
}

namespace {

// `url` with the password of a `scheme://user:password@host` replaced by ***, or nothing when it
// has none.
std::optional<std::string> without_password(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) {
    return std::nullopt;
  }
  size_t start = scheme + 3;
  size_t at = url.find('@', start);
  size_t colon = url.find(':', start);
  if (at == std::string::npos || colon > at || url.find('/', start) < at) {
    return std::nullopt;
  }
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace

Result<std::unique_ptr<Remote>> open_remote(const std::string& given) {
  // Schemes are case-insensitive (RFC 3986): SSH://host is ssh://host.
  std::string url = given;
  size_t scheme_end = url.find("://");
  if (scheme_end != std::string::npos && scheme_end < 8) {
    for (size_t i = 0; i < scheme_end; ++i) {
      url[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(url[i])));
    }
  }
  if (url.starts_with("ssh://")) {
    return open_ssh_remote(url);  // which refuses a password with its own message
  }
  // Credentials come from the environment or the standard files only: a URL's password would
  // end up in shell histories, configs and messages. It is never repeated.
  if (auto shown = without_password(url)) {
    return Error(ErrorKind::Usage,
                 fmt::format("'{}' is not a remote mlops can use: a password is never accepted "
                             "in a remote's URL (give S3 credentials in AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY or ~/.aws/credentials; docs/remotes.md)",
                             *shown));
  }
  if (url.starts_with("s3://")) {
    return open_s3_remote(url);
  }
  return open_directory_remote(url);
}

Result<std::unique_ptr<Remote>> open_directory_remote(const std::string& url) {
  std::string path = url.starts_with("file://") ? url.substr(7) : url;
  if (path.empty() || path.find("://") != std::string::npos || path[0] != '/') {
    return Error(
        ErrorKind::Usage,
        fmt::format("'{}' is not a remote this mlops can use: give a directory as an "
                    "absolute path or file:///path, an SSH server as "
                    "ssh://[user@]host[:port]/path, or an S3 bucket as s3://bucket[/prefix]",
                    url));
  }
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) {
    bool exists = std::filesystem::exists(path, error);
    return Error(
        exists ? ErrorKind::Usage : ErrorKind::NotFound,
        exists ? fmt::format("the remote {} is not a directory: give a directory", path)
               : fmt::format("the remote directory {} does not exist; create it first", path));
  }
  return std::unique_ptr<Remote>(new DirectoryRemote(std::filesystem::path(path)));
}

}  // namespace mlops
