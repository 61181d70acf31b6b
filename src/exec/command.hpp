// Running a short command to completion and capturing what it prints: the scheduler's client
// programs (sbatch, squeue, scancel, sacct) for the cluster backends. Spawned through
// exec/spawn.hpp, with arguments as an argv (never a shell string), stdin from /dev/null.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "util/duration.hpp"
#include "util/error.hpp"

namespace mlops {

struct CommandOutput {
  int exit_code = 0;  // 128 + N when killed by signal N
  std::string out;    // stdout, at most 16 MiB
  std::string err;    // stderr, at most 64 KiB
};

// Runs argv[0] (looked up in the PATH of `env`) with `env` as its whole environment, and waits
// for it at most `limit` (then kills it). An Io error when it could not be started or ran too
// long; a non-zero exit is not an error here (the caller reads `exit_code` and `err`).
Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  const std::vector<std::pair<std::string, std::string>>& env,
                                  Milliseconds limit);

}  // namespace mlops
