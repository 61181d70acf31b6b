#include "app/workspace_config.hpp"

#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "util/file_io.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

constexpr size_t k_max_config_bytes = 1 << 20;

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Result<WorkspaceConfig> read_workspace_config(const std::filesystem::path& root) {
  std::filesystem::path path = root / ".mlops" / "config";
  WorkspaceConfig config;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return config;
  }
  MLOPS_TRY(text, read_file(path, k_max_config_bytes));
  size_t line_number = 0;
  for (const auto& raw : split(*text, '\n')) {
    ++line_number;
    std::string_view line = trimmed(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    size_t equals = line.find('=');
    std::string key(trimmed(line.substr(0, equals == std::string_view::npos ? 0 : equals)));
    if (equals == std::string_view::npos || key.empty()) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("{}:{}: expected `key = value`, not '{}'", path.string(),
                               line_number, std::string(line.substr(0, 80))));
    }
    std::string value(trimmed(line.substr(equals + 1)));
    if (key == "remote") {
      config.remote = value;
    } else if (key == "store") {
      config.store = value;
    } else {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("{}:{}: unknown setting '{}' (known: remote, store)", path.string(),
                               line_number, key.substr(0, 80)));
    }
  }
  return config;
}

Result<std::optional<std::string>> chosen_remote(const std::filesystem::path& root,
                                                 const std::optional<std::string>& option,
                                                 const std::optional<std::string>& from_pipeline) {
  if (option) {
    return option;
  }
  if (const char* from_env = std::getenv("MLOPS_REMOTE"); from_env && *from_env) {
    return std::optional<std::string>(from_env);
  }
  MLOPS_TRY(config, read_workspace_config(root));
  return config->remote ? config->remote : from_pipeline;
}

std::string no_remote_message() {
  return "no remote: give --remote URL, set MLOPS_REMOTE, put `remote = URL` in .mlops/config, "
         "or `remote: URL` in the pipeline file (a directory as an absolute path or "
         "file:///path, ssh://[user@]host[:port]/path, s3://bucket[/prefix]; docs/remotes.md)";
}

}  // namespace mlops
