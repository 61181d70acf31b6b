// The wall clock triggers use. Tests move it: with MLOPS_ENABLE_TEST_HOOKS=1 in the environment,
// MLOPS_TEST_NOW=2026-11-24T02:00:00Z sets the time at which this process started, and the
// clock runs on from there. Without the first variable the second is ignored, so a stray
// MLOPS_TEST_NOW cannot move a production schedule.
#pragma once

#include <chrono>

namespace mlops {

std::chrono::system_clock::time_point wall_now();

// Whether MLOPS_ENABLE_TEST_HOOKS=1: only then are the MLOPS_TEST_* variables read.
bool test_hooks_enabled();

}  // namespace mlops
