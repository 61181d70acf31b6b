// The engine-neutral SQL layer the metadata store is written against (SqlStore, schema.cpp): a
// connection, prepared statements with SQLite's bind/step/column API, and write transactions.
// Two engines implement it, each behind one .cpp: SQLite (sql_sqlite.cpp over sqlite.hpp, the
// embedded default) and PostgreSQL (postgres.cpp, over libpq). Nothing above store/ sees either.
//
// The store's SQL is written once in the subset both engines accept: `?N` placeholders (the
// PostgreSQL connection rewrites them to `$N` when it prepares), ON CONFLICT ... DO NOTHING / DO
// UPDATE, RETURNING instead of last_insert_rowid(), COALESCE, `"user"` quoted. Where the engines
// differ in what they can express (an aggregate's name, taking the row that holds a MAX), the
// store asks dialect() and says why beside the query.
//
// A write transaction serializes writers on both engines (SQLite: BEGIN IMMEDIATE; PostgreSQL:
// BEGIN and a transaction-scoped advisory lock), which is what the store's compare-and-set
// writes rely on (trigger state, registry counters, alias moves). A connection is used by one
// thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/error.hpp"

namespace mlops::sql {

enum class Dialect { Sqlite, Postgres };

// The type a NULL parameter stands for: PostgreSQL must know it for `?1 IS NULL`.
enum class NullType { Unknown, Text, Integer };

// One prepared statement of one engine. Statement forwards to it.
class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_int(int index, int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_null(int index, NullType type) = 0;
  virtual Result<bool> step() = 0;
  // Statement::run_deferred; by default, run now.
  virtual Status run_deferred() {
    auto stepped = step();
    return stepped.ok() ? Status::success() : Status(stepped.error());
  }
  virtual void reset() = 0;
  virtual std::string_view column_view(int index) const = 0;
  virtual int64_t column_int(int index) const = 0;
  virtual double column_double(int index) const = 0;
  virtual bool column_is_null(int index) const = 0;
};

class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementBackend> backend) : m_backend(std::move(backend)) {}

  // Parameters are 1-based, as `?N` in the SQL.
  Statement& bind(int index, std::string_view text) {
    m_backend->bind_text(index, text);
    return *this;
  }
  Statement& bind(int index, int64_t value) {
    m_backend->bind_int(index, value);
    return *this;
  }
  Statement& bind(int index, double value) {
    m_backend->bind_double(index, value);
    return *this;
  }
  Statement& bind_null(int index) {
    m_backend->bind_null(index, NullType::Unknown);
    return *this;
  }
  Statement& bind_optional(int index, const std::optional<std::string>& text) {
    text ? m_backend->bind_text(index, *text) : m_backend->bind_null(index, NullType::Text);
    return *this;
  }
  Statement& bind_optional(int index, const std::optional<int64_t>& value) {
    value ? m_backend->bind_int(index, *value) : m_backend->bind_null(index, NullType::Integer);
    return *this;
  }

  // Advances to the next row: true when there is one, false when done; Io on error.
  Result<bool> step() { return m_backend->step(); }
  // Runs a statement that returns no rows.
  Status run() {
    auto stepped = step();
    return stepped.ok() ? Status::success() : Status(stepped.error());
  }
  // Runs a statement whose result and changes() nobody reads, possibly later: PostgreSQL sends
  // it with the next statement that needs the server, or with the commit (one round trip for
  // many writes), and an error it meets is reported there. SQLite runs it now.
  Status run_deferred() { return m_backend->run_deferred(); }
  // Ends the statement and clears its bindings, ready to run again.
  void reset() { m_backend->reset(); }

  std::string column_text(int index) const { return std::string(column_view(index)); }
  // The column's text without a copy: valid until the next step(), reset() or column call.
  std::string_view column_view(int index) const { return m_backend->column_view(index); }
  // An integer (a boolean reads as 0 or 1); 0 for NULL.
  int64_t column_int(int index) const { return m_backend->column_int(index); }
  double column_double(int index) const { return m_backend->column_double(index); }
  bool column_is_null(int index) const { return m_backend->column_is_null(index); }

 private:
  std::unique_ptr<StatementBackend> m_backend;
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Dialect dialect() const = 0;
  // Runs one or more statements without results (DDL). Io on error.
  virtual Status execute(std::string_view sql) = 0;
  virtual Result<Statement> prepare(std::string_view sql) = 0;
  // A statement prepared once per connection and reused (reset, bindings cleared): for the
  // statements written per stage, where preparing costs more than running.
  Result<Statement*> cached(const std::string& sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual int64_t changes() const = 0;
  // How long starting a write transaction waits for another writer before failing with Busy.
  virtual void set_busy_wait(std::chrono::milliseconds wait) = 0;
  // Read transactions shared by several queries (sqlite.hpp); no-ops where reads need none.
  virtual void hold_reads() {}
  virtual void release_reads() {}

  // The write transaction (WriteTransaction below). begin_write: Busy when another writer held
  // it past the busy wait; Io otherwise.
  virtual Status begin_write() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
  // After a failure: whether running the same transaction again may succeed (PostgreSQL: a
  // serialization failure, a deadlock, a lost connection that was re-established). Resets the
  // failure it reports.
  virtual bool recover_transient() { return false; }

 protected:
  // A statement that lives as long as the connection (cached()): the engine may keep it
  // prepared on its side.
  virtual Result<Statement> prepare_persistent(std::string_view sql) { return prepare(sql); }
  // Cached statements go before the engine's handle; derived destructors call this first.
  void drop_cached() { m_cache.clear(); }

 private:
  std::unordered_map<std::string, std::unique_ptr<Statement>> m_cache;
};

// begin_write() on construction; rollback() on destruction unless commit() succeeded.
class WriteTransaction {
 public:
  static Result<std::unique_ptr<WriteTransaction>> begin(Connection& connection);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  Status commit();

 private:
  explicit WriteTransaction(Connection& connection) : m_connection(connection) {}
  Connection& m_connection;
  bool m_done = false;
};

// Opens the SQLite database at `path` (":memory:" for tests) as a Connection (sql_sqlite.cpp).
Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path);
// Connects to PostgreSQL with a libpq conninfo string or URL (postgres.cpp). Io when the server
// cannot be reached or refuses; the message never contains the password.
Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo);

}  // namespace mlops::sql
