// What the query commands (runs, show, logs, artifacts, lineage, metrics, export, diff, report,
// checkout, gc) share: opening the workspace and its existing store (app/queries.hpp) and saying
// what went wrong, naming runs, and formatting values.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/queries.hpp"
#include "report/report_data.hpp"
#include "store/sql_store.hpp"
#include "util/strings.hpp"

namespace mlops {

struct QueryOptions {
  std::optional<std::filesystem::path> store;  // --store
  bool json = false;                           // --json
};

// The current directory's workspace with its existing store, or nothing after printing why (no
// store yet, unreadable). Runs whose mlops died are marked interrupted, like every command that
// opens the store does, and said so on stderr.
std::optional<Workspace> open_query_workspace_or_report(const QueryOptions& options);

// Prints a line on stderr for each run the workspace found interrupted when it opened.
void report_recovered_runs(const Workspace& space);

// Prints "mlops: error: MESSAGE" and returns the exit code for it (2).
int report_query_error(const Error& error);

// The workspace and the id of the run `name` names, or nothing after printing why.
struct WorkspaceAndRun {
  Workspace space;
  std::string run_id;
  MetadataStore& store() const { return *space.store(); }
};
std::optional<WorkspaceAndRun> open_workspace_for_run(const QueryOptions& options,
                                                      const std::string& name);

// A user-typed path as a workspace-relative one (relative to the current directory).
std::string workspace_path_argument(const std::string& path);

std::string short_digest(const std::string& digest);
// An artifact's size as shown: bytes, or for a feature-group commit the rows it wrote.
std::string artifact_size(const std::string& kind, int64_t size);  // the first 12 hex digits
std::string run_duration(const std::string& started, const std::optional<std::string>& ended);
std::string format_number(double value);  // shortest form that round-trips well enough
// Text read from the store, for a terminal: control characters as '?'. The checks before
// writing refuse them, but anyone who can write the store can put escape sequences there.
std::string printable(std::string text);

}  // namespace mlops
