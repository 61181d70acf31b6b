// Starting one process in a new process group, with Boost.Process.
//
// Boost.Process (v1, Boost 1.74) does the fork/exec, the pipes, the environment, the working
// directory and the report of an exec failure. What it cannot express is added through its
// on_exec_setup extension point, run in the child before exec: a new session and group, signal
// dispositions and mask reset to defaults (mlops blocks and ignores some), and death of the
// child if mlops dies first. Waiting, signalling and reaping are done by ProcessRunner with
// plain POSIX calls, because Boost's wait_for and group are unreliable (PITFALLS.md).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace mlops {

struct SpawnRequest {
  std::filesystem::path executable;  // absolute, already looked up
  std::vector<std::string> args;     // argv[1..]
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path workdir;
};

struct SpawnedProcess {
  pid_t pid = -1;      // also the session and process group id
  UniqueFd stdout_fd;  // read ends, non-blocking and close-on-exec
  UniqueFd stderr_fd;
};

// Starts the process with stdin from /dev/null. An Io error when it could not be started (the
// message says why: no such directory, permission denied, ...).
Result<SpawnedProcess> spawn_in_new_group(const SpawnRequest& request);

// The absolute path `program` runs as: a name is looked up in `path_variable` (like execvp), a
// name with a '/' is taken relative to `workdir`. Empty when nothing executable is found.
std::filesystem::path find_executable(const std::string& program, const std::string& path_variable,
                                      const std::filesystem::path& workdir);

}  // namespace mlops
