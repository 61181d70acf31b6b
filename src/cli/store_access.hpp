// Finding, opening and tidying the metadata store for a command.
//
// The store is `--store PATH`, else $MLOPS_STORE, else <workspace>/.mlops/store.db. Lock files
// sit beside it, in <store directory>/locks: run-<id>.lock is held by the mlops process running
// that run, so a later mlops can tell a live run from one whose process died.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/workspace.hpp"
#include "store/sqlite_store.hpp"

namespace mlops {

std::filesystem::path run_lock_path(const std::filesystem::path& store, const std::string& run_id);

// Opens the store and marks the runs whose mlops process died as interrupted (printing a line
// for each). On failure prints an error that says what to do, and returns nothing.
std::unique_ptr<SqliteStore> open_store_or_report(const std::filesystem::path& store);

}  // namespace mlops
