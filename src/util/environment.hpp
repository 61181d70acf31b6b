// The process environment as data, and the switch for test-only hooks.
#pragma once

#include <filesystem>

#include <string>
#include <utility>
#include <vector>

namespace mlops {

using EnvironmentList = std::vector<std::pair<std::string, std::string>>;

// This process's environment (from `environ`), in order, without malformed entries.
EnvironmentList current_environment();

// The absolute path of the running program (/proc/self/exe); empty when it cannot be read.
std::filesystem::path current_executable();

// Sets `key` to `value` in `env`, replacing an earlier value.
void set_env(EnvironmentList& env, const std::string& key, const std::string& value);

// Whether MLOPS_ENABLE_TEST_HOOKS=1: only then are the MLOPS_TEST_* variables read, so a stray
// MLOPS_TEST_NOW cannot move a production schedule.
bool test_hooks_enabled();

// The value of the test hook variable `name` (MLOPS_TEST_...), when hooks are enabled.
const char* test_hook(const char* name);

}  // namespace mlops
