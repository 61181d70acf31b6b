// What the query commands (runs, show, logs, artifacts, lineage, metrics, export) share: opening
// an existing store, naming runs, and formatting values.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/queries.hpp"
#include "report/report_data.hpp"
#include "store/sqlite_store.hpp"
#include "util/strings.hpp"

namespace mlops {

struct QueryOptions {
  std::optional<std::filesystem::path> store;  // --store
  bool json = false;                           // --json
};


// The workspace's store, or nothing after printing why (no store yet, unreadable). Marks runs
// whose mlops died as interrupted, like every command that opens the store.
std::unique_ptr<SqliteStore> open_existing_store(const QueryOptions& options);


// Prints "mlops: error: MESSAGE" and returns the exit code for it (2).
int report_query_error(const Error& error);

// The store and the id of the run `name` names, or nothing after printing why.
struct StoreAndRun {
  std::unique_ptr<SqliteStore> store;
  std::string run_id;
};
std::optional<StoreAndRun> open_store_for_run(const QueryOptions& options, const std::string& name);

// A user-typed path as a workspace-relative one (relative to the current directory).
std::string workspace_path_argument(const std::string& path);

std::string short_digest(const std::string& digest);  // the first 12 hex digits
std::string run_duration(const std::string& started, const std::optional<std::string>& ended);
std::string format_number(double value);  // shortest form that round-trips well enough

}  // namespace mlops
