// What the remote end-to-end tests share (remote_test, remote_attack_test, s3_remote_test,
// ssh_remote_test, ssh_attack_test): the pipeline whose outputs they push and pull (a typed
// directory out and a file), and reading a test server's settings from the environment.
#pragma once

#include <cstdlib>
#include <string>

namespace mlops::e2e {

inline constexpr const char* k_remote_pipeline = R"(version: 1
name: shared
stages:
  make:
    run: mkdir -p out/set && echo one > out/set/a.txt && echo two > out/set/b.txt && echo m > model.txt
    outs: [{path: out/set, type: dataset}, model.txt]
)";

// The variable's value, or "" when it is not set.
inline std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace mlops::e2e
