// The workspace's settings file, .mlops/config (docs/remotes.md): one `key = value` a line,
// `#` comments and blank lines ignored. Known keys: `remote` (the default remote's URL). The
// environment overrides the file (MLOPS_REMOTE), and a command's option overrides both.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace mlops {

struct WorkspaceConfig {
  std::optional<std::string> remote;
};

// The settings of the workspace at `root` (none when it has no .mlops/config). InvalidSpec
// "FILE:LINE: ..." for a line that is not `key = value` or names an unknown key.
Result<WorkspaceConfig> read_workspace_config(const std::filesystem::path& root);

// The remote to use: `option`, else $MLOPS_REMOTE, else the config's; nothing when none is set.
Result<std::optional<std::string>> chosen_remote(const std::filesystem::path& root,
                                                 const std::optional<std::string>& option);

}  // namespace mlops
