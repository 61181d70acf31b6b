// mlops logs RUN [STAGE] [--follow]: a run's stage logs, whole or as they grow.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

bool stage_matches(const std::string& stage, const std::optional<std::string>& wanted) {
  return !wanted || stage == *wanted || stage.starts_with(*wanted + "[");
}

// Prints what `path` holds past `offset` and moves `offset` on; returns whether it printed.
bool print_from(const std::filesystem::path& path, std::streamoff& offset) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return false;  // not written yet, or not a log (a directory's "size" is not its length)
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size <= offset) {
    return false;
  }
  in.seekg(offset);
  std::string chunk(static_cast<size_t>(size - offset), '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  offset = size;
  write_all(1, chunk);
  return true;
}

// {"run", "logs": [{"stage", "attempt", "status", "log", "text"}]}
int logs_json(MetadataStore& store, const std::string& id, const std::filesystem::path& workspace,
              const std::optional<std::string>& stage) {
  auto executions = store.executions_of(id);
  if (!executions.ok()) {
    return report_query_error(executions.error());
  }
  nlohmann::json logs = nlohmann::json::array();
  for (const auto& execution : *executions) {
    if (!stage_matches(execution.stage, stage)) {
      continue;
    }
    std::string text;
    if (execution.log_path) {
      if (auto read = read_file(workspace / *execution.log_path, 64 * 1024 * 1024); read.ok()) {
        text = std::move(*read);
      }
    }
    logs.push_back(
        {{"stage", execution.stage},
         {"attempt", execution.attempt},
         {"status", execution.status},
         {"log", execution.log_path ? nlohmann::json(*execution.log_path) : nlohmann::json()},
         {"text", text}});
  }
  if (logs.empty() && stage) {
    write_all(2, fmt::format("mlops: error: run {} has no stage '{}'\n", id, *stage));
    return k_exit_invalid;
  }
  write_all(1, json_text(nlohmann::json{{"run", id}, {"logs", logs}}, 2) + "\n");
  return k_exit_success;
}

}  // namespace

int logs_command(const LogsCommand& command) {
  auto opened = open_workspace_for_run(command.query, command.run);
  if (!opened) {
    return k_exit_invalid;
  }
  MetadataStore& store = opened->store();
  const std::string& id = opened->run_id;
  const std::filesystem::path& workspace = opened->space.root();
  if (command.query.json) {
    if (command.follow) {
      write_all(2, "mlops: error: --follow prints as the run goes; use it without --json\n");
      return k_exit_invalid;
    }
    return logs_json(store, id, workspace, command.stage);
  }
  std::map<int64_t, std::streamoff> offsets;
  int64_t last_header = -1;
  bool any_stage = false;
  while (true) {
    auto executions = store.executions_of(id);
    auto run = store.find_run(id);
    if (!executions.ok() || !run.ok() || !run->has_value()) {
      write_all(2, "mlops: error: cannot read the run from the store\n");
      return k_exit_invalid;
    }
    bool running = (*run)->status == "running";
    for (const auto& execution : *executions) {
      if (!stage_matches(execution.stage, command.stage)) {
        continue;
      }
      any_stage = true;
      if (!execution.log_path) {
        // A cached or skipped stage ran nothing in this run, so it has no log of its own.
        if (offsets.emplace(execution.id, 0).second) {
          write_all(1, fmt::format("==> {} ({}: no log, nothing ran) <==\n", execution.stage,
                                   execution.cached ? "cached" : execution.status));
        }
        continue;
      }
      std::filesystem::path log = workspace / *execution.log_path;
      auto& offset = offsets[execution.id];
      bool multiple = !command.stage || *command.stage != execution.stage;
      if (multiple && last_header != execution.id) {
        std::ifstream in(log, std::ios::binary | std::ios::ate);
        if (in && in.tellg() > offset) {
          write_all(1, fmt::format("==> {} (attempt {}, {}) <==\n", execution.stage,
                                   execution.attempt, execution.status));
          last_header = execution.id;
        }
      }
      print_from(log, offset);
    }
    if (!any_stage && command.stage) {
      write_all(2, fmt::format("mlops: error: run {} has no stage '{}'\n", id, *command.stage));
      return k_exit_invalid;
    }
    if (!command.follow || !running) {
      return k_exit_success;
    }
    // Following a live run: check for more output and for the end of the run a few times a
    // second; logs are files, so there is nothing to wait on.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace mlops
