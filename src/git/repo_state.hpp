// What git says about a workspace, read with libgit2 (no git command line). libgit2 appears only
// in the git/ module.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace mlops {

struct GitState {
  std::optional<std::string> commit;  // full hex id of HEAD; empty in a repository with no commit
  std::optional<std::string> branch;  // empty when HEAD is detached
  bool dirty = false;  // a tracked file differs from HEAD (untracked ones do not count)
};

// The state of the repository that contains `path`, or nothing when `path` is not inside one (or
// the repository cannot be read). Io when libgit2 cannot be loaded (the message says what to
// install); recording a run never fails because of git, so the caller warns and goes on.
Result<std::optional<GitState>> read_git_state(const std::filesystem::path& path);

// False when neither `path` nor a directory above it holds a `.git` or looks like a bare
// repository (HEAD and objects): then no repository contains it and libgit2 need not be loaded.
// True does not promise a repository.
bool may_be_inside_git_repository(const std::filesystem::path& path);

}  // namespace mlops
