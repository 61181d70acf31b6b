#include "util/environment.hpp"

#include <cstdlib>
#include <cstring>
#include <string_view>

extern char** environ;

namespace mlops {

EnvironmentList current_environment() {
  EnvironmentList env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals != std::string_view::npos && equals > 0) {
      env.emplace_back(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
  }
  return env;
}

void set_env(EnvironmentList& env, const std::string& key, const std::string& value) {
  for (auto& entry : env) {
    if (entry.first == key) {
      entry.second = value;
      return;
    }
  }
  env.emplace_back(key, value);
}

bool test_hooks_enabled() {
  const char* enabled = std::getenv("MLOPS_ENABLE_TEST_HOOKS");
  return enabled && std::strcmp(enabled, "1") == 0;
}

const char* test_hook(const char* name) {
  return test_hooks_enabled() ? std::getenv(name) : nullptr;
}

std::filesystem::path current_executable() {
  std::error_code error;
  std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : path;
}

}  // namespace mlops
