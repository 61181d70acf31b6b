// The SQLite implementation of MetadataStore (the embedded default: .mlops/store.db).
#pragma once

#include <memory>
#include <string>

#include "store/metadata_store.hpp"
#include "store/sqlite.hpp"

namespace mlops {

class SqliteStore final : public MetadataStore {
 public:
  // Opens (creating if needed) and migrates the store at `path` (":memory:" for tests). Io when
  // it cannot be opened, is not a database or cannot be migrated; InvalidSpec when a newer
  // mlops wrote it.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);

  Status begin_run(const RunRecord& run) override;
  Status finish_run(const std::string& run_id, const std::string& status,
                    const std::string& ended_at) override;
  Result<int64_t> begin_execution(const ExecutionRecord& execution) override;
  Status finish_execution(const ExecutionRecord& execution) override;
  Result<std::optional<RunRecord>> find_run(const std::string& run_id) override;
  Result<std::vector<ExecutionRecord>> executions_of(const std::string& run_id) override;

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::Connection> connection)
      : m_db(std::move(connection)) {}
  std::unique_ptr<sqlite::Connection> m_db;
};

}  // namespace mlops
