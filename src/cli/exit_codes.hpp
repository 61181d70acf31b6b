// mlops's exit codes, documented in the README. Scripts and CI rely on them: change nothing here
// without changing the README and the end-to-end tests.
#pragma once

namespace mlops {

inline constexpr int k_exit_success = 0;
inline constexpr int k_exit_stage_failed = 1;   // a stage failed (or `status` found work to do)
inline constexpr int k_exit_invalid = 2;        // invalid pipeline, usage or environment
inline constexpr int k_exit_signal_base = 128;  // + the signal: 129 SIGHUP, 130 SIGINT, 143 SIGTERM

}  // namespace mlops
