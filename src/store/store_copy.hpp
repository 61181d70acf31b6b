// `mlops store copy`: a project's whole history from one store to another, between any two
// engines (SQLite → PostgreSQL and back), and the per-table digests that verify it.
//
// Every table of the schema (but schema_migrations, which the target's own migration wrote) is
// copied row by row with its ids, in an order that satisfies the foreign keys, in ONE write
// transaction on the target: a failure or a difference leaves the target as it was. The target
// must be at this mlops's schema version and empty. Before committing, each table's row count
// and digest are computed on both sides and compared. A PostgreSQL target is ANALYZEd after.
//
// A table's digest is computed the same way on both engines: its rows in primary-key order
// (byte order of text keys on both), each column typed as the schema declares it (NULL, an
// integer in decimal, a real in its shortest round-trip form, text as its bytes with a length),
// folded into a 128-bit FNV-1a hash. It shows that a copy is faithful; it is no defence against
// someone forging a store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/sql_store.hpp"
#include "util/error.hpp"

namespace mlops {

struct TableDigest {
  std::string table;
  int64_t rows = 0;
  std::string digest;  // 32 hex digits
};

// Each table's row count and digest, in copy order.
Result<std::vector<TableDigest>> digest_store(SqlStore& store);

// Copies `from` into `to` as described above; returns the target's digests (equal to the
// source's). Usage when the target is not empty (nothing is written); Corrupt when the copy's
// digests differ from the source's (rolled back); Io on a store error.
Result<std::vector<TableDigest>> copy_store(SqlStore& from, SqlStore& to);

}  // namespace mlops
