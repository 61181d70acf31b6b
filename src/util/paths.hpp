// Workspace-relative paths: every artifact path mlops records is relative to the workspace root,
// lexically normal, and never leaves the workspace.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "util/error.hpp"

namespace mlops {

// `path` (absolute, or relative to `workspace`) as a normal workspace-relative path ("a/b", or
// "." for the root itself). Nothing when it escapes the workspace, lexically: an absolute path
// outside it, or enough ".." to climb above it. `workspace` must be absolute and normal.
std::optional<std::string> workspace_relative(const std::filesystem::path& workspace,
                                              std::string_view path);

// True when `inner` is `outer` or lies below it ("a/b" is within "a"; "ab" is not).
bool path_is_within(std::string_view inner, std::string_view outer);

// Whether `relative` is a plain workspace-relative path, as mlops writes them: not empty, not
// absolute, valid UTF-8 without NUL, and no empty, "." or ".." component ("a/b", not "a//b",
// "./a", "a/../b" or "/a"). Paths read back from stored data (cache manifests, the store's
// artifact paths, log directories) must pass this before anything is written or deleted.
bool is_plain_relative_path(std::string_view relative);

// Checks that writing or deleting `workspace / relative` stays inside the workspace:
// `relative` is plain (is_plain_relative_path) and no existing component on the way, the last
// one included, is a symbolic link that leads outside the workspace (a link leading elsewhere
// inside it is fine). Only components that exist are looked at, with lstat; the workspace is
// canonicalised only when a link is met. Returns the absolute path, or an Error of `kind`
// naming the path and the problem (the caller says where the path came from).
Result<std::filesystem::path> checked_write_path(const std::filesystem::path& workspace,
                                                 std::string_view relative, ErrorKind kind);

// checked_write_path's link check for many paths of one workspace: the workspace is
// canonicalised at most once, and a directory found to be a real directory (or a link leading
// inside) is not looked at again, so checking a stage's every out costs about one lstat each.
// Use one checker for one moment: it does not notice a directory replaced by a link later.
class WorkspaceLinkCheck {
 public:
  explicit WorkspaceLinkCheck(std::filesystem::path workspace);
  // The first existing component of `relative` (a plain path) that is a symbolic link leading
  // outside the workspace, as a workspace-relative path; nothing when there is none.
  std::optional<std::string> link_leading_out(std::string_view relative);

 private:
  std::filesystem::path m_workspace;
  std::optional<std::string> m_root;            // canonical, once a link is met
  std::unordered_set<std::string> m_safe_dirs;  // relative directories already checked
};

// `name` with every character outside [A-Za-z0-9._=,+-] replaced by '_', for log file names.
std::string safe_file_name(std::string_view name);

}  // namespace mlops
