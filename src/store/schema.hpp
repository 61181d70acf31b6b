// The metadata store's schema and its forward migrations (docs/metadata-store.md).
//
// PRAGMA user_version holds the schema version. Opening a store applies every missing
// migration, in order, in one write transaction: a crash midway leaves the old version intact.
// A store written by a newer mlops (a higher version) is refused rather than misread.
#pragma once

#include <string>
#include <vector>

#include "store/sqlite.hpp"
#include "util/error.hpp"

namespace mlops {

// migrations[i] takes a store from version i to version i + 1.
const std::vector<std::string>& store_migrations();

// Brings the store up to migrations.size(). Io on a SQL error; InvalidSpec when the store is
// newer than this mlops.
Status migrate_store(sqlite::Connection& connection, const std::vector<std::string>& migrations);

Result<int> store_schema_version(sqlite::Connection& connection);

}  // namespace mlops
