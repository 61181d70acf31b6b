// Cleaning up after a restore that was killed half-way.
//
// ObjectStore::restore writes a version beside its target under a temporary name and renames it
// into place (for a directory, the old tree is first renamed aside under another temporary
// name); util's atomic write does the same for single files. Killed in between (kill -9, power
// loss), it leaves `<target>.tmp-<16 hex>` (or `.tmp-<8 hex>`) behind forever. The next run of
// the pipeline removes them before it restores or runs anything, under the pipeline's lock.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

namespace mlops {

// Whether `name` is `target_name` followed by one of our temporary suffixes (".tmp-" and 8 or 16
// lowercase hex digits).
bool is_restore_temp_name(std::string_view name, std::string_view target_name);

// Removes the temporary files and directories killed restores of `targets` (paths relative to
// `workspace`, the canonical workspace root) left beside them; each directory is listed once.
// Removes only names that is_restore_temp_name accepts; never follows a symbolic link (a temporary
// name that is a link is removed as a link; nothing is done when a directory on the way from
// `workspace` to the target is a link); skips a path that is absolute or leaves the workspace.
// Returns how many entries were removed; failures to list or remove are skipped.
size_t remove_restore_temps(const std::filesystem::path& workspace,
                            const std::vector<std::filesystem::path>& targets);

}  // namespace mlops
