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

#include "store/sqlite_store.hpp"

namespace mlops {

std::filesystem::path resolve_store_path(const std::optional<std::filesystem::path>& flag,
                                         const std::filesystem::path& workspace);

std::filesystem::path run_lock_path(const std::filesystem::path& store, const std::string& run_id);

// Opens the store and marks the runs whose mlops process died as interrupted (printing a line
// for each). On failure prints an error that says what to do, and returns nothing.
std::unique_ptr<SqliteStore> open_store_or_report(const std::filesystem::path& store);

// This machine's name, as runs record it.
std::string host_name();

// The workspace for a command given no pipeline file: found from the current directory the
// same way as from a pipeline file's directory.
std::filesystem::path current_workspace();

}  // namespace mlops
