#include "util/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace mlops {

namespace {

Result<UniqueFd> open_lock_file(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return Error(ErrorKind::Io, fmt::format("cannot create the lock file {}: {}", path.string(),
                                            std::strerror(errno)));
  }
  return fd;
}

int flock_operation(LockMode mode) {
  return mode == LockMode::Shared ? LOCK_SH : LOCK_EX;
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::filesystem::path& path, LockMode mode) {
  MLOPS_TRY(fd, open_lock_file(path));
  while (::flock(fd->get(), flock_operation(mode)) != 0) {
    if (errno != EINTR) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    }
  }
  return FileLock(path, std::move(*fd));
}

Result<std::optional<FileLock>> FileLock::try_acquire(const std::filesystem::path& path,
                                                      LockMode mode) {
  MLOPS_TRY(opened, open_lock_file(path));
  UniqueFd fd = std::move(*opened);
  while (::flock(fd.get(), flock_operation(mode) | LOCK_NB) != 0) {
    if (errno == EINTR) {
      continue;
    }
    if (errno == EWOULDBLOCK) {
      return std::optional<FileLock>();
    }
    return Error(ErrorKind::Io,
                 fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
  }
  return std::optional<FileLock>(FileLock(path, std::move(fd)));
}

void FileLock::remove() {
  std::error_code error;
  std::filesystem::remove(m_path, error);
  m_fd.reset();
}

}  // namespace mlops
