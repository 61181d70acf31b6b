// Advisory whole-file locks (flock) that live as long as the object, and so as long as the
// process: the kernel drops them when the process dies, however it dies. mlops uses them to
// know whether the owner of a "running" run is still alive, to keep two runs of one pipeline
// from writing the same outputs at once, and (shared by runs, exclusive for gc) to keep gc from
// sweeping the object cache while a run is adding to it.
#pragma once

#include <filesystem>
#include <optional>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace mlops {

// Exclusive: one holder at a time (LOCK_EX). Shared: any number of shared holders, but no
// exclusive one at the same time (LOCK_SH).
enum class LockMode { Exclusive, Shared };

class FileLock {
 public:
  // Creates `path` (and its directory) if needed and locks it without waiting. Nothing when
  // another process holds it in a conflicting mode; Io when the file cannot be created.
  static Result<std::optional<FileLock>> try_acquire(const std::filesystem::path& path,
                                                     LockMode mode = LockMode::Exclusive);

  // The same, waiting for the holders to let go (for locks that are never removed).
  static Result<FileLock> acquire(const std::filesystem::path& path,
                                  LockMode mode = LockMode::Exclusive);

  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;
  ~FileLock() = default;  // closing the descriptor releases the lock

  // Deletes the lock file, then releases the lock (for a lock that will not be taken again).
  void remove();

 private:
  FileLock(std::filesystem::path path, UniqueFd fd)
      : m_path(std::move(path)), m_fd(std::move(fd)) {}
  std::filesystem::path m_path;
  UniqueFd m_fd;
};

}  // namespace mlops
