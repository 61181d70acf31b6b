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
// `interruptible`: also kill it, with an Io error, as soon as interrupt_pending() (a client
// that waits for an unreachable controller must not hold up Ctrl-C for the whole limit).
Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  const std::vector<std::pair<std::string, std::string>>& env,
                                  Milliseconds limit, bool interruptible = false);

// Whether SIGINT, SIGTERM or SIGHUP is pending (blocked, as during a run, and not yet read by
// the runner that watches for it; reading the pending set consumes nothing).
bool interrupt_pending();

// Takes the pending SIGINT, SIGTERM or SIGHUP out of the pending set and returns it (0 when none
// is pending), for a caller that reports the interrupt itself.
int take_pending_interrupt();

}  // namespace mlops
