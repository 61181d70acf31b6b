// The workspace's settings file, .mlops/config (docs/remotes.md): one `key = value` a line,
// `#` comments and blank lines ignored. Known keys: `remote` (the default remote's URL), `store`
// (the metadata store). The environment overrides the file (MLOPS_REMOTE), and a command's option
// overrides both.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace mlops {

struct WorkspaceConfig {
  std::optional<std::string> remote;
  // The metadata store (`store = URL`, below --store and $MLOPS_STORE; app/workspace.hpp).
  std::optional<std::string> store;
};

// The settings of the workspace at `root` (none when it has no .mlops/config). InvalidSpec
// "FILE:LINE: ..." for a line that is not `key = value` or names an unknown key.
Result<WorkspaceConfig> read_workspace_config(const std::filesystem::path& root);

// The remote to use: `option`, else $MLOPS_REMOTE, else the config's, else the pipeline file's
// `remote:` (`from_pipeline`); nothing when none is set.
Result<std::optional<std::string>> chosen_remote(
    const std::filesystem::path& root, const std::optional<std::string>& option,
    const std::optional<std::string>& from_pipeline = std::nullopt);

// What to say when no remote is set: where one can be set.
std::string no_remote_message();

}  // namespace mlops
