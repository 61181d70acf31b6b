// Looking after the metadata store itself: `mlops store migrate` and `mlops store copy`
// (docs/metadata-store.md). Stores are named by locator (store/store_locator.hpp); results and
// errors name them without their passwords.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/store_copy.hpp"
#include "util/error.hpp"

namespace mlops {

struct StoreMigration {
  std::string store;  // redacted
  int from_version = 0;
  int to_version = 0;
};

// Brings the workspace's store (`store_flag`, $MLOPS_STORE, `store =` in .mlops/config, else
// .mlops/store.db of the current directory's workspace) to this mlops's schema version; the only
// way a PostgreSQL store is migrated. Two at once: one migrates, the other waits and finds it
// done. Errors as SqlStore::migrate.
Result<StoreMigration> migrate_workspace_store(
    const std::optional<std::filesystem::path>& store_flag);

struct StoreCopy {
  std::string from;  // redacted
  std::string to;    // redacted
  std::vector<TableDigest> tables;
};

// Copies the whole history of the store `from` into the empty store `to` (store_copy.hpp). A
// SQLite target is created and migrated if missing; a PostgreSQL one must have been migrated.
// Usage when both name the same store or the target has rows; errors of the stores otherwise.
Result<StoreCopy> copy_between_stores(const std::string& from, const std::string& to);

}  // namespace mlops
