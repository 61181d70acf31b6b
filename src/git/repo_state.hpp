// What git says about a workspace, read with libgit2 (no git command line). libgit2 appears only
// in the git/ module.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mlops {

struct GitState {
  std::optional<std::string> commit;  // full hex id of HEAD; empty in a repository with no commit
  std::optional<std::string> branch;  // empty when HEAD is detached
  bool dirty = false;  // a tracked file differs from HEAD (untracked ones do not count)
};

// The state of the repository that contains `path`, or nothing when `path` is not inside one (or
// the repository cannot be read; recording a run never fails because of git).
std::optional<GitState> read_git_state(const std::filesystem::path& path);

}  // namespace mlops
