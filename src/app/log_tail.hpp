// The end of a stage's log for a front end that shows logs beside other things (the web UI's run
// page and its live updates). The log path comes from the store, which anyone with write access
// to .mlops/ can edit: it is read only when it resolves (symlinks followed) to a regular file
// inside the workspace's log directory (.mlops/logs/), so a tampered row cannot read other files.
// Values of secret-looking environment variables of this process are replaced by "***".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "app/workspace.hpp"
#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// The last `max_bytes` of the log of `execution` (from a line start when one is near), redacted.
// Empty when it has no log yet. Corrupt when the stored path leads outside .mlops/logs/; Io when
// it cannot be read.
Result<std::string> log_tail(const Workspace& workspace, const ExecutionRecord& execution,
                             size_t max_bytes);
// The same with `secrets` (from run_log_secrets) replaced by "***" instead.
Result<std::string> log_tail(const Workspace& workspace, const ExecutionRecord& execution,
                             size_t max_bytes, const std::vector<std::string>& secrets);

// What a front end hides in the logs of a run of `pipeline_file` (as the store records it):
// secret_environment_values() and the values (4 bytes or longer) of the `env:` entries of that
// pipeline file, read when it is a regular file inside the workspace that still loads. A stage
// that prints a declared `env:` value must not show it (docs/security.md), as `mlops report`.
std::vector<std::string> run_log_secrets(const Workspace& workspace,
                                         const std::string& pipeline_file);

// The values (4 bytes or longer: "1" or "true" would blank every number) of the `env:` entries
// of the pipeline's stages, longest first (a value containing another is replaced whole), once
// each. What hooks, reports and the UI hide of a run (docs/security.md).
std::vector<std::string> pipeline_env_values(const Pipeline& pipeline);

// `text` with every value in `secrets` replaced by "***".
std::string redact_values(std::string text, const std::vector<std::string>& secrets);

// Values (8 bytes or longer) of this process's environment variables whose names contain TOKEN,
// SECRET, PASSWORD, PASSWD, CREDENTIAL, API_KEY, ACCESS_KEY or PRIVATE_KEY.
std::vector<std::string> secret_environment_values();

}  // namespace mlops
