#include "util/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
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
  // Read straight into a string sized from fstat (a file that grows meanwhile is read on in
  // steps): growing it 64 KiB at a time cost a copy and fresh pages at every doubling, most of
  // the time of reading two 12 MB profiles on this VM.
  struct stat info {};
  size_t expected = ::fstat(fd.get(), &info) == 0 && S_ISREG(info.st_mode)
                        ? static_cast<size_t>(info.st_size)
                        : 0;
  size_t limit = max_bytes < SIZE_MAX ? max_bytes + 1 : max_bytes;  // one more shows excess
  std::string data;
  data.resize(std::min(std::max<size_t>(expected + 1, 65536), limit));
  size_t used = 0;
  while (true) {
    if (used == data.size())
      data.resize(std::min(std::max<size_t>(data.size() * 2, 65536), limit));
    ssize_t n = ::read(fd.get(), data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Error(ErrorKind::Io,
                   fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    }
    if (n == 0) {
      data.resize(used);
      return data;
    }
    used += static_cast<size_t>(n);
    if (used > max_bytes) {
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
