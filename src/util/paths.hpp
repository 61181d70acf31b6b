// Workspace-relative paths: every artifact path mlops records is relative to the workspace root,
// lexically normal, and never leaves the workspace.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mlops {

// `path` (absolute, or relative to `workspace`) as a normal workspace-relative path ("a/b", or
// "." for the root itself). Nothing when it escapes the workspace, lexically: an absolute path
// outside it, or enough ".." to climb above it. `workspace` must be absolute and normal.
std::optional<std::string> workspace_relative(const std::filesystem::path& workspace,
                                              std::string_view path);

// True when `inner` is `outer` or lies below it ("a/b" is within "a"; "ab" is not).
bool path_is_within(std::string_view inner, std::string_view outer);

// `name` with every character outside [A-Za-z0-9._=,+-] replaced by '_', for log file names.
std::string safe_file_name(std::string_view name);

}  // namespace mlops
