#include "app/log_tail.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "app/pipeline_loading.hpp"
#include "spec/loader.hpp"

extern char** environ;  // NOLINT: POSIX

namespace mlops {
namespace {

// Whether `inner` is `outer` or below it (both canonical).
bool inside(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  auto [outer_end, inner_it] =
      std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return outer_end == outer.end();
}

}  // namespace

std::string redact_values(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

std::vector<std::string> secret_environment_values() {
  static const char* const k_words[] = {"TOKEN",      "SECRET",  "PASSWORD",   "PASSWD",
                                        "CREDENTIAL", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"};
  std::vector<std::string> values;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text = *entry;
    size_t equals = text.find('=');
    if (equals == std::string::npos || text.size() - equals - 1 < 8) {
      continue;
    }
    std::string name = text.substr(0, equals);
    std::transform(name.begin(), name.end(), name.begin(), ::toupper);
    if (std::any_of(std::begin(k_words), std::end(k_words),
                    [&](const char* word) { return name.find(word) != std::string::npos; })) {
      values.push_back(text.substr(equals + 1));
    }
  }
  return values;
}

std::vector<std::string> run_log_secrets(const Workspace& workspace,
                                         const std::string& pipeline_file) {
  std::vector<std::string> values = secret_environment_values();
  // The path is the store's, which may have been edited: nothing outside the workspace is read.
  auto file = recorded_pipeline_file(workspace.root(), pipeline_file);
  if (!file) {
    return values;
  }
  LoadResult loaded = load_pipeline(*file, LoadOptions{});
  if (loaded.pipeline) {
    std::vector<std::string> declared = pipeline_env_values(*loaded.pipeline);
    values.insert(values.end(), declared.begin(), declared.end());
  }
  return values;
}

std::vector<std::string> pipeline_env_values(const Pipeline& pipeline) {
  std::vector<std::string> values;
  for (const Stage& stage : pipeline.stages) {
    for (const auto& [name, value] : stage.env) {
      if (value.size() >= 4) {
        values.push_back(value);
      }
    }
  }
  std::sort(values.begin(), values.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

Result<std::string> log_tail(const Workspace& workspace, const ExecutionRecord& execution,
                             size_t max_bytes) {
  return log_tail(workspace, execution, max_bytes, secret_environment_values());
}

Result<std::string> log_tail(const Workspace& workspace, const ExecutionRecord& execution,
                             size_t max_bytes, const std::vector<std::string>& secrets) {
  if (!execution.log_path) {
    return std::string();
  }
  std::error_code error;
  std::filesystem::path logs =
      std::filesystem::weakly_canonical(workspace.root() / ".mlops" / "logs", error);
  std::filesystem::path path = workspace.root() / *execution.log_path;
  if (!std::filesystem::exists(path, error)) {
    return std::string();  // not written yet
  }
  std::filesystem::path real = std::filesystem::canonical(path, error);
  if (error || !inside(real, logs) || !std::filesystem::is_regular_file(real, error)) {
    return Error(ErrorKind::Corrupt,
                 fmt::format("the log of stage {} is not a file in .mlops/logs/ (the store says "
                             "'{}'): not shown",
                             execution.stage, *execution.log_path));
  }
  std::ifstream in(real, std::ios::binary | std::ios::ate);
  if (!in) {
    return Error(ErrorKind::Io, fmt::format("cannot read the log of stage {}", execution.stage));
  }
  std::streamoff size = in.tellg();
  std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                             ? size - static_cast<std::streamoff>(max_bytes)
                             : 0;
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (start > 0) {
    size_t newline = text.find('\n');
    if (newline != std::string::npos && newline < text.size() / 2) {
      text.erase(0, newline + 1);
    }
  }
  return redact_values(std::move(text), secrets);
}

}  // namespace mlops
