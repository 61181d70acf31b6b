// sql::Connection over the SQLite wrapper (sqlite.hpp): the embedded default engine.
#include "store/sql.hpp"
#include "store/sqlite.hpp"

namespace mlops::sql {
namespace {

class SqliteStatement final : public StatementBackend {
 public:
  explicit SqliteStatement(sqlite::Statement statement) : m_statement(std::move(statement)) {}
  void bind_text(int index, std::string_view text) override { m_statement.bind(index, text); }
  void bind_int(int index, int64_t value) override { m_statement.bind(index, value); }
  void bind_double(int index, double value) override { m_statement.bind(index, value); }
  void bind_null(int index, NullType /*type*/) override { m_statement.bind_null(index); }
  Result<bool> step() override { return m_statement.step(); }
  void reset() override { m_statement.reset(); }
  std::string_view column_view(int index) const override { return m_statement.column_view(index); }
  int64_t column_int(int index) const override { return m_statement.column_int(index); }
  double column_double(int index) const override { return m_statement.column_double(index); }
  bool column_is_null(int index) const override { return m_statement.column_is_null(index); }

 private:
  sqlite::Statement m_statement;
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(std::unique_ptr<sqlite::Connection> db) : m_db(std::move(db)) {}
  ~SqliteConnection() override { drop_cached(); }

  Dialect dialect() const override { return Dialect::Sqlite; }
  Status execute(std::string_view sql) override { return m_db->execute(sql); }
  Result<Statement> prepare(std::string_view sql) override {
    MLOPS_TRY(statement, m_db->prepare(sql));
    return Statement(std::make_unique<SqliteStatement>(std::move(*statement)));
  }
  int64_t changes() const override { return m_db->changes(); }
  void set_busy_wait(std::chrono::milliseconds wait) override { m_db->set_busy_wait(wait); }
  void hold_reads() override { m_db->hold_reads(); }
  void release_reads() override { m_db->release_reads(); }

  Status begin_write() override {
    m_db->end_reads();
    Status begun = m_db->execute("BEGIN IMMEDIATE");
    if (!begun.ok()) {
      ErrorKind kind = m_db->busy() ? ErrorKind::Busy : ErrorKind::Io;
      return Error(kind, "cannot start a store transaction: " + begun.error().message());
    }
    return Status::success();
  }
  Status commit() override { return m_db->execute("COMMIT"); }
  void rollback() override { (void)m_db->execute("ROLLBACK"); }

 private:
  std::unique_ptr<sqlite::Connection> m_db;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path) {
  MLOPS_TRY(db, sqlite::Connection::open(path));
  return std::unique_ptr<Connection>(new SqliteConnection(std::move(*db)));
}

}  // namespace mlops::sql
