// The metadata store's schema and its forward migrations (docs/metadata-store.md), one numbered
// set for both engines.
//
// A migration's SQL is written once (`sqlite`) unless PostgreSQL needs other text (`postgres`;
// empty: nothing to do there). Versions 1 to 8 predate PostgreSQL: version 1's PostgreSQL text
// creates the whole version-8 schema and 2 to 8 do nothing there; every later one is written
// once. Applied versions are listed in schema_migrations (version, applied_at); SQLite also
// keeps the version in PRAGMA user_version, which is what it reads.
//
// Every missing migration is applied, in order, in one write transaction: a crash midway leaves
// the old version intact. A store written by a newer mlops (a higher version) is refused rather
// than misread. SQLite stores migrate when opened; PostgreSQL stores only with `mlops store
// migrate`, under a session advisory lock (a second migrator waits, then finds nothing to do).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/sql.hpp"
#include "util/error.hpp"

namespace mlops {

struct Migration {
  Migration(const char* text) : sqlite(text) {}  // NOLINT: the same text for both engines
  Migration(std::string text) : sqlite(std::move(text)) {}  // NOLINT: as above
  Migration(const char* text, std::optional<std::string> for_postgres)
      : sqlite(text), postgres(std::move(for_postgres)) {}
  std::string sqlite;
  std::optional<std::string> postgres;
};

// migrations[i] takes a store from version i to version i + 1.
const std::vector<Migration>& store_migrations();

// Brings the store up to migrations.size(); returns the version it found (under the migration's
// lock: a migrator that waited for another finds the latest). Io on a SQL error; InvalidSpec
// when the store is newer than this mlops.
Result<int> migrate_store(sql::Connection& connection, const std::vector<Migration>& migrations);

// Whether the store is exactly at migrations.size(), without changing it. InvalidSpec saying
// what to do when it is older (run `mlops store migrate`) or newer (upgrade mlops).
Status check_store_version(sql::Connection& connection, const std::vector<Migration>& migrations);

Result<int> store_schema_version(sql::Connection& connection);

}  // namespace mlops
