// Whole-file reads and writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mlops {

// The file's bytes. NotFound when it does not exist, Io when it cannot be read, InvalidSpec-free:
// callers decide what a too-large file means; `max_bytes` caps what is read (Io past it).
Result<std::string> read_file(const std::filesystem::path& path, size_t max_bytes);

// Writes all of `data` to `fd`, retrying short writes and EINTR. False on any other error.
bool write_all(int fd, std::string_view data);

// Writes `data` to `path` atomically: a temporary file in the same directory, fsync, rename.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data);

}  // namespace mlops
