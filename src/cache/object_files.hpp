// Small helpers shared by the object cache's own .cpp files (object_store.cpp, object_save.cpp);
// not part of its interface.
#pragma once

#include <filesystem>
#include <string>

#include "hash/digest.hpp"
#include "util/error.hpp"

namespace mlops::object_files {

// ".tmp-" and 16 random hex digits: the suffix of every temporary name the cache writes.
std::string temp_suffix();

// An Io error: `what`, then strerror(err).
Error io(const std::string& what, int err);

// Whether two identities of one file say its bytes are the same: device, inode, size and mtime
// (the ctime changes with a chmod or a new link, which do not touch the bytes).
bool same_content(const FileIdentity& a, const FileIdentity& b);

// Gives the file open as `fd` the new name `target` (a hard link to exactly that inode, through
// /proc/self/fd; where /proc is missing, by linking `source` and checking the inode). False, with
// nothing left at `target`, when it cannot be linked (another filesystem, no permission, too many
// links).
bool link_open_file(int fd, const std::filesystem::path& source,
                    const std::filesystem::path& target);

}  // namespace mlops::object_files
