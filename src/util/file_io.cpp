#include "util/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "util/unique_fd.hpp"

namespace mlops {

Result<std::string> read_file(const std::filesystem::path& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    return Error(err == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                 fmt::format("cannot read {}: {}", path.string(), std::strerror(err)));
  }
  std::string data;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Error(ErrorKind::Io,
                   fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    }
    if (n == 0) {
      return data;
    }
    data.append(buffer, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      return Error(ErrorKind::Io,
                   fmt::format("{} is larger than {} bytes", path.string(), max_bytes));
    }
  }
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view data) {
  std::random_device random;
  std::filesystem::path temp = path;
  temp += fmt::format(".tmp-{:08x}", random());
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  }
  if (!write_all(fd.get(), data) || ::fsync(fd.get()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return Error(ErrorKind::Io,
                 fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
  }
  fd.reset();
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return Error(ErrorKind::Io,
                 fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
  }
  return Status::success();
}

}  // namespace mlops
