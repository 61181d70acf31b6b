// The metadata store's interface: what the engine records about runs and executions, and what
// the query commands read back. SqliteStore (sqlite_store.hpp) implements it; a PostgreSQL
// backend would implement the same interface without touching the engine.
//
// Every method that writes does so in one short transaction; none is held while a stage runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace mlops {

struct RunRecord {
  std::string id;
  std::string pipeline;
  std::string pipeline_file;
  std::string pipeline_hash;
  std::string status = "running";
  std::string cause = "manual";
  std::optional<std::string> cause_detail;
  std::string params_json = "{}";
  std::optional<std::string> git_commit;
  std::optional<std::string> git_branch;
  std::optional<bool> git_dirty;
  std::string host;
  std::string user;
  std::string mlops_version;
  int64_t owner_pid = 0;
  std::string started_at;
  std::optional<std::string> ended_at;
};

struct ExecutionRecord {
  int64_t id = 0;
  std::string run_id;
  std::string stage;
  int attempt = 1;
  std::string status = "running";
  std::string command;
  std::optional<int64_t> exit_code;
  std::optional<int64_t> signal;
  std::optional<std::string> message;
  std::string started_at;
  std::optional<std::string> ended_at;
  std::optional<std::string> log_path;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Records a new run as running (creating its pipeline row if needed).
  virtual Status begin_run(const RunRecord& run) = 0;
  virtual Status finish_run(const std::string& run_id, const std::string& status,
                            const std::string& ended_at) = 0;
  // Records an execution as running; returns its id.
  virtual Result<int64_t> begin_execution(const ExecutionRecord& execution) = 0;
  virtual Status finish_execution(const ExecutionRecord& execution) = 0;

  virtual Result<std::optional<RunRecord>> find_run(const std::string& run_id) = 0;
  virtual Result<std::vector<ExecutionRecord>> executions_of(const std::string& run_id) = 0;
};

}  // namespace mlops
