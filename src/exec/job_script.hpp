// The /bin/sh script a cluster job runs (exec/cluster_runner.hpp): it runs a stage exactly as
// the local process runner would, and says how it ended in a file.
//
// The script changes to the stage's working directory, runs the request's argv (for a `run:`
// stage, /bin/sh -c COMMAND) under `env -i` with the request's complete environment (the same
// variables a local stage gets, not the compute node's), with stdin from /dev/null and signal
// dispositions reset where env supports it, forwards SIGTERM (Slurm's grace signal, scancel) to
// it, and as its last act writes the exit status as a decimal line to a temporary file that it
// renames to the exit-code file: the file is either absent or complete. Every value is written
// in single quotes, so no value can change what the script does.
#pragma once

#include <filesystem>
#include <string>

#include "exec/runner.hpp"
#include "util/error.hpp"

namespace mlops {

// The script for `request`; an InvalidSpec error when the command cannot be written as one
// (a program name containing '=', which env would take for a variable).
Result<std::string> job_script(const ProcessRequest& request,
                               const std::filesystem::path& exit_file);

// The exit status a job's exit-code file holds: nothing when the file is absent, not a regular
// file, or does not hold one decimal number from 0 to 255 (it is then no evidence of anything).
std::optional<int> read_exit_file(const std::filesystem::path& exit_file);

}  // namespace mlops
