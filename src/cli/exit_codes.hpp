// mlops's exit codes, documented in the README, and the one map from an error's kind to the
// code a command exits with. Scripts and CI rely on them: change nothing here without changing
// the README and the end-to-end tests.
#pragma once

#include "util/error.hpp"

namespace mlops {

inline constexpr int k_exit_success = 0;
inline constexpr int k_exit_stage_failed = 1;   // a stage failed (or `status` found work to do)
inline constexpr int k_exit_invalid = 2;        // invalid pipeline, usage or environment
inline constexpr int k_exit_rejected = 3;       // rejected by a data or model check
inline constexpr int k_exit_signal_base = 128;  // + the signal: 129 SIGHUP, 130 SIGINT, 143 SIGTERM

// Every error that stops a command before it did its job is "invalid input or unusable state".
constexpr int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidSpec:  // the pipeline file is wrong
    case ErrorKind::Usage:        // the command line is wrong
    case ErrorKind::NotFound:     // a run, path or store named does not exist
    case ErrorKind::Io:           // the workspace or store cannot be used
    case ErrorKind::Conflict:     // the pipeline is already running here
    case ErrorKind::Busy:         // the store stayed locked by another process
    case ErrorKind::Corrupt:      // the cache or store was damaged or tampered with
    case ErrorKind::Internal:
      return k_exit_invalid;
  }
  return k_exit_invalid;
}

}  // namespace mlops
