// A thin RAII layer over the SQLite C API: a connection, prepared statements and write
// transactions. Every SQLite error becomes an mlops Error here; nothing above sees sqlite3.h.
//
// Policies from PITFALLS.md: WAL journal with synchronous=NORMAL, foreign keys on, a busy
// timeout so concurrent mlops processes wait instead of failing, and BEGIN IMMEDIATE for every
// transaction that may write (a deferred one that upgrades to a writer gets SQLITE_BUSY at once).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace mlops::sqlite {

class Statement;

class Connection {
 public:
  // Opens (creating if needed) the database at `path`, or an in-memory one for ":memory:".
  // Io when the file cannot be opened or is not a database.
  static Result<std::unique_ptr<Connection>> open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results (DDL, pragmas).
  Status execute(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // A statement prepared once per connection and reused (reset, bindings cleared): for the
  // statements written per stage, where preparing costs more than running.
  Result<Statement*> cached(const std::string& sql);
  // How long a statement waits for another process's lock before failing (default 30 s).
  void set_busy_wait(std::chrono::milliseconds wait);
  // Whether the last failure was another process's lock (SQLITE_BUSY or SQLITE_LOCKED).
  bool busy() const;
  int64_t last_insert_id() const;
  int changes() const;

  // Several queries in one read transaction: one snapshot and one shared-memory lock, instead
  // of one of each per statement (PITFALLS.md). Holds nest; the transaction ends with the last
  // release, or earlier, before anything writes on this connection (a statement that is not
  // read-only, WriteTransaction::begin), so a write never runs on a stale snapshot.
  void hold_reads();
  void release_reads();
  // Ends the held read transaction now, if one is open (the holds stay counted).
  void end_reads();

  sqlite3* handle() { return m_db; }

 private:
  friend class Statement;
  explicit Connection(sqlite3* db) : m_db(db) {}
  sqlite3* m_db;
  int m_read_holds = 0;
  bool m_read_open = false;
  std::unordered_map<std::string, std::unique_ptr<Statement>> m_cache;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  Statement& bind_optional(int index, const std::optional<std::string>& text);
  Statement& bind_optional(int index, const std::optional<int64_t>& value);

  // Advances to the next row: true when there is one, false when done; Io on error.
  Result<bool> step();
  // Runs a statement that returns no rows.
  Status run();
  void reset();

  std::string column_text(int index) const;
  // The column's text without a copy: valid until the next step(), reset() or column call.
  std::string_view column_view(int index) const;
  int64_t column_int(int index) const;
  double column_double(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Connection;
  Statement(Connection* connection, sqlite3* db, sqlite3_stmt* statement)
      : m_connection(connection), m_db(db), m_statement(statement) {}
  Connection* m_connection;
  sqlite3* m_db;
  sqlite3_stmt* m_statement;
  std::string m_error;  // the first bind error, reported by step()
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
class WriteTransaction {
 public:
  static Result<std::unique_ptr<WriteTransaction>> begin(Connection& connection);
  ~WriteTransaction();
  Status commit();

 private:
  explicit WriteTransaction(Connection& connection) : m_connection(connection) {}
  Connection& m_connection;
  bool m_done = false;
};

}  // namespace mlops::sqlite
