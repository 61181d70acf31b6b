#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

namespace mlops::sqlite {
namespace {

constexpr int k_busy_timeout_ms = 30000;

Error sqlite_error(sqlite3* db, std::string_view what) {
  return Error(ErrorKind::Io,
               fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error error = sqlite_error(db, fmt::format("cannot open the store {}", path));
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<Connection> connection(new Connection(db));
  sqlite3_busy_timeout(db, k_busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  // journal_mode returns a row, so it goes through a statement; the rest are plain pragmas.
  // Switching a new database to WAL takes a lock for which SQLite does not call the busy
  // handler, so two processes creating the store at once must retry here themselves.
  Status pragmas = Status();
  for (int attempt = 0; attempt < k_busy_timeout_ms / 10; ++attempt) {
    pragmas = connection->execute(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    if (pragmas.ok() || (sqlite3_errcode(db) & 0xff) != SQLITE_BUSY) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!pragmas.ok()) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot use the store {}: {}", path, pragmas.error().message()));
  }
  return connection;
}

Connection::~Connection() {
  m_cache.clear();  // finalize the cached statements before closing
  sqlite3_close_v2(m_db);
}

Result<Statement*> Connection::cached(const std::string& sql) {
  auto it = m_cache.find(sql);
  if (it == m_cache.end()) {
    MLOPS_TRY(statement, prepare(sql));
    it = m_cache.emplace(sql, std::make_unique<Statement>(std::move(*statement))).first;
  }
  it->second->reset();
  return it->second.get();
}

Status Connection::execute(std::string_view sql) {
  char* message = nullptr;
  std::string text(sql);
  if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message ? message : sqlite3_errmsg(m_db);
    sqlite3_free(message);
    return Error(ErrorKind::Io, reason);
  }
  return Status::success();
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &statement, nullptr) !=
      SQLITE_OK) {
    return sqlite_error(m_db, "cannot prepare a store query");
  }
  return Statement(this, m_db, statement);
}

void Connection::hold_reads() {
  ++m_read_holds;
  if (!m_read_open && sqlite3_get_autocommit(m_db) != 0) {
    m_read_open = execute("BEGIN").ok();
  }
}

void Connection::release_reads() {
  if (m_read_holds > 0 && --m_read_holds == 0) {
    end_reads();
  }
}

void Connection::end_reads() {
  if (m_read_open) {
    m_read_open = false;
    // A read-only transaction: COMMIT only lets go of the snapshot; if it fails, ROLLBACK does.
    if (!execute("COMMIT").ok()) {
      (void)execute("ROLLBACK");
    }
  }
}

void Connection::set_busy_wait(std::chrono::milliseconds wait) {
  sqlite3_busy_timeout(m_db, static_cast<int>(wait.count()));
}

bool Connection::busy() const {
  int code = sqlite3_errcode(m_db) & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

int64_t Connection::last_insert_id() const {
  return sqlite3_last_insert_rowid(m_db);
}
int Connection::changes() const {
  return sqlite3_changes(m_db);
}

Statement::Statement(Statement&& other) noexcept
    : m_connection(other.m_connection),
      m_db(other.m_db),
      m_statement(other.m_statement),
      m_error(std::move(other.m_error)) {
  other.m_statement = nullptr;
}

Statement::~Statement() {
  sqlite3_finalize(m_statement);
}

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(m_statement, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK &&
      m_error.empty()) {
    m_error = sqlite3_errmsg(m_db);
  }
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(m_statement, index, value) != SQLITE_OK && m_error.empty()) {
    m_error = sqlite3_errmsg(m_db);
  }
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (sqlite3_bind_double(m_statement, index, value) != SQLITE_OK && m_error.empty()) {
    m_error = sqlite3_errmsg(m_db);
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(m_statement, index);
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind_optional(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Result<bool> Statement::step() {
  if (!m_error.empty()) {
    return Error(ErrorKind::Internal, "store query parameter: " + m_error);
  }
  if (m_connection->m_read_open && sqlite3_stmt_readonly(m_statement) == 0) {
    m_connection->end_reads();  // never write on a held read snapshot
  }
  int code = sqlite3_step(m_statement);
  if (code == SQLITE_ROW) {
    return true;
  }
  if (code == SQLITE_DONE) {
    return false;
  }
  return sqlite_error(m_db, "store query failed");
}

Status Statement::run() {
  auto stepped = step();
  if (!stepped.ok()) {
    return stepped.error();
  }
  return Status::success();
}

void Statement::reset() {
  sqlite3_reset(m_statement);
  sqlite3_clear_bindings(m_statement);
  m_error.clear();
}

std::string Statement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(m_statement, index);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(m_statement, index)))
              : std::string();
}

std::string_view Statement::column_view(int index) const {
  const unsigned char* text = sqlite3_column_text(m_statement, index);
  return text ? std::string_view(reinterpret_cast<const char*>(text),
                                 static_cast<size_t>(sqlite3_column_bytes(m_statement, index)))
              : std::string_view();
}

int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(m_statement, index);
}
double Statement::column_double(int index) const {
  return sqlite3_column_double(m_statement, index);
}
bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(m_statement, index) == SQLITE_NULL;
}

Result<std::unique_ptr<WriteTransaction>> WriteTransaction::begin(Connection& connection) {
  connection.end_reads();
  Status begun = connection.execute("BEGIN IMMEDIATE");
  if (!begun.ok()) {
    ErrorKind kind = connection.busy() ? ErrorKind::Busy : ErrorKind::Io;
    return Error(kind, "cannot start a store transaction: " + begun.error().message());
  }
  return std::unique_ptr<WriteTransaction>(new WriteTransaction(connection));
}

WriteTransaction::~WriteTransaction() {
  if (!m_done) {
    (void)m_connection.execute("ROLLBACK");
  }
}

Status WriteTransaction::commit() {
  Status committed = m_connection.execute("COMMIT");
  if (committed.ok()) {
    m_done = true;
  }
  return committed;
}

}  // namespace mlops::sqlite
