// sql::Connection over libpq: the PostgreSQL engine of the metadata store. The only file that
// includes libpq-fe.h (libpqxx is not used: its API changed at every major version).
//
// Statements: the store's `?N` placeholders become `$N` (outside string literals, quoted names
// and comments). Parameters travel as text with a type where the store knows one (text, int8,
// float8; a NULL keeps the type of the bind_optional that made it), so `?1 IS NULL` needs no
// cast; a parameter the SQL names but nothing binds is a text NULL. Cached statements are
// prepared on the server once per session (PQprepare), the others run with PQexecParams. Rows
// come back in text form, all at once (the store's queries return bounded result sets).
//
// Write transactions: BEGIN, then a transaction-scoped advisory lock that every mlops writer
// takes, so that writers run one at a time as under SQLite's BEGIN IMMEDIATE. A lost connection
// is re-established by recover_transient() (prepared statements are prepared again lazily).
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "store/sql.hpp"

namespace mlops::sql {
namespace {

// pg_advisory_* keys: (k_lock_space, 0) is the store's write lock.
constexpr const char* k_write_lock = "SELECT pg_advisory_xact_lock(1296846672, 0)";
constexpr const char* k_try_write_lock = "SELECT pg_try_advisory_xact_lock(1296846672, 0)";

constexpr unsigned k_oid_int8 = 20;
constexpr unsigned k_oid_text = 25;
constexpr unsigned k_oid_float8 = 701;

// `?N` → `$N` outside '...' literals, "..." names and -- comments; `count` gets the highest N.
std::string dollar_placeholders(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size());
  count = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      out += c;
      if (c == quote) {
        quote = 0;  // a doubled quote closes and reopens: same result
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
      out += sql.substr(i, end - i);
      i = end - 1;
    } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      int number = 0;
      out += '$';
      while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
        number = number * 10 + (sql[i + 1] - '0');
        out += sql[++i];
      }
      count = std::max(count, number);
    } else {
      out += c;
    }
  }
  return out;
}

void ignore_notice(void* /*arg*/, const char* /*message*/) {}

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// A statement to send: a prepared one by name, or SQL with its parameters.
struct Query {
  bool prepared = false;
  std::string text;  // the prepared statement's name, or the SQL
  std::vector<unsigned> types;
  std::vector<std::optional<std::string>> values;
};

class PostgresConnection;

class PostgresStatement final : public StatementBackend {
 public:
  PostgresStatement(PostgresConnection& connection, std::string sql, int parameters,
                    bool persistent);
  void bind_text(int index, std::string_view text) override { set(index, k_oid_text, text); }
  void bind_int(int index, int64_t value) override {
    set(index, k_oid_int8, std::to_string(value));
  }
  void bind_double(int index, double value) override {
    set(index, k_oid_float8, fmt::format("{}", value));
  }
  void bind_null(int index, NullType type) override;
  Result<bool> step() override;
  Status run_deferred() override;
  void reset() override;
  std::string_view column_view(int index) const override;
  int64_t column_int(int index) const override;
  double column_double(int index) const override;
  bool column_is_null(int index) const override {
    return PQgetisnull(m_result.get(), m_row, index) != 0;
  }

 private:
  struct Parameter {
    unsigned type = 0;
    std::optional<std::string> value;
  };
  void set(int index, unsigned type, std::string_view value);
  // This statement as it is bound now (prepared on the server first if it is persistent).
  Result<Query> query();
  Result<ResultPtr> execute();

  PostgresConnection& m_connection;
  std::string m_sql;
  std::vector<Parameter> m_parameters;
  bool m_persistent;
  std::string m_name;          // of the server-side prepared statement
  uint64_t m_prepared_in = 0;  // the session it was prepared in (0: not yet)
  std::string m_error;         // a bind error, reported by step()
  ResultPtr m_result;
  int m_row = -1;
};

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* connection) : m_conn(connection) {}
  ~PostgresConnection() override {
    drop_cached();
    PQfinish(m_conn);
  }

  Dialect dialect() const override { return Dialect::Postgres; }
  Status execute(std::string_view sql) override {
    if (!m_deferred.empty()) {
      if (sql == "COMMIT") {  // the deferred statements and the commit: one round trip
        Query commit{false, "COMMIT", {}, {}};
        MLOPS_TRY(result, send(&commit));
        return check(result->get(), "store statement failed");
      }
      if (sql == "ROLLBACK") {
        m_deferred.clear();  // rolled back with the transaction: no need to send them
      } else {
        MLOPS_CHECK(send(nullptr).ok() ? Status::success() : send_error());
      }
    }
    ResultPtr result(PQexec(m_conn, std::string(sql).c_str()));
    return check(result.get(), "store statement failed");
  }
  // Queues a statement whose result nobody reads (Statement::run_deferred): it goes with the
  // next statement that needs the server (PostgreSQL's pipeline mode), or the commit.
  Status defer(Query query) {
    m_deferred.push_back(std::move(query));
    // Bounded, so that neither side's socket buffer fills while the other waits.
    return m_deferred.size() < 64 ? Status::success() : flush();
  }
  Status flush() {
    if (m_deferred.empty()) {
      return Status::success();
    }
    auto sent = send(nullptr);
    return sent.ok() ? Status::success() : Status(sent.error());
  }
  // Sends the deferred statements and then `last` (when given) in one pipeline; returns the
  // result of `last` (or of the last deferred one), or the first error.
  Result<ResultPtr> send(const Query* last);
  Result<Statement> prepare(std::string_view sql) override { return make(sql, false); }
  int64_t changes() const override { return m_changes; }
  void set_busy_wait(std::chrono::milliseconds wait) override { m_busy_wait = wait; }

  Status begin_write() override;
  Status commit() override {
    m_in_transaction = false;
    return execute("COMMIT");
  }
  void rollback() override {
    m_in_transaction = false;
    (void)execute("ROLLBACK");
  }
  bool recover_transient() override;
  // Outside a transaction, a lost connection is re-established at once (a statement that failed
  // with it is run again once): a long `mlops watch` outlives a server restart.
  bool reconnect_between_transactions() {
    return !m_in_transaction && PQstatus(m_conn) == CONNECTION_BAD && reconnect();
  }

  // Io with PostgreSQL's message unless `result` succeeded; remembers the SQLSTATE and the rows
  // a command changed.
  Status check(PGresult* result, std::string_view what) {
    ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      const char* tuples = PQcmdTuples(result);
      m_changes = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
      return Status::success();
    }
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    m_last_state = state ? state : "";
    std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(m_conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return Error(ErrorKind::Io, fmt::format("{}: {}", what, message));
  }
  PGconn* handle() { return m_conn; }
  uint64_t session() const { return m_session; }
  std::string next_name() { return fmt::format("mlops_{}", ++m_names); }

 protected:
  Result<Statement> prepare_persistent(std::string_view sql) override { return make(sql, true); }

 private:
  Result<Statement> make(std::string_view sql, bool persistent) {
    int count = 0;
    std::string translated = dollar_placeholders(sql, count);
    return Statement(
        std::make_unique<PostgresStatement>(*this, std::move(translated), count, persistent));
  }

  PGconn* m_conn;
  int64_t m_changes = 0;
  std::string m_last_state;
  std::chrono::milliseconds m_busy_wait{30000};
  uint64_t m_session = 1;  // bumped when the connection is re-established
  uint64_t m_names = 0;
  bool m_in_transaction = false;
  std::vector<Query> m_deferred;
  std::optional<Error> m_send_error;

  Status send_error() { return m_send_error ? Status(*m_send_error) : Status::success(); }

  bool reconnect() {
    PQreset(m_conn);
    if (PQstatus(m_conn) != CONNECTION_OK) {
      return false;
    }
    PQsetNoticeProcessor(m_conn, ignore_notice, nullptr);
    ++m_session;  // the server forgot the prepared statements and session locks
    return true;
  }
};

PostgresStatement::PostgresStatement(PostgresConnection& connection, std::string sql,
                                     int parameters, bool persistent)
    : m_connection(connection),
      m_sql(std::move(sql)),
      m_parameters(static_cast<size_t>(parameters)),
      m_persistent(persistent) {}

void PostgresStatement::set(int index, unsigned type, std::string_view value) {
  if (index < 1 || static_cast<size_t>(index) > m_parameters.size()) {
    if (m_error.empty()) {
      m_error = fmt::format("no parameter ?{} in the query", index);
    }
    return;
  }
  if (value.find('\0') != std::string_view::npos && m_error.empty()) {
    m_error = "a text value contains a NUL byte, which PostgreSQL cannot store";
  }
  m_parameters[static_cast<size_t>(index - 1)] = {type, std::string(value)};
}

void PostgresStatement::bind_null(int index, NullType type) {
  unsigned oid = type == NullType::Integer ? k_oid_int8 : type == NullType::Text ? k_oid_text : 0;
  if (index >= 1 && static_cast<size_t>(index) <= m_parameters.size()) {
    m_parameters[static_cast<size_t>(index - 1)] = {oid, std::nullopt};
  }
}

Result<Query> PostgresStatement::query() {
  Query query;
  for (const auto& parameter : m_parameters) {
    // A parameter nothing bound is a NULL of type text: PostgreSQL must know every type.
    query.types.push_back(parameter.type ? parameter.type : parameter.value ? 0 : k_oid_text);
    query.values.push_back(parameter.value);
  }
  if (!m_persistent) {
    query.text = m_sql;
    return query;
  }
  if (m_prepared_in != m_connection.session()) {
    // Prepared with the types of the first run; later runs bind the same types (a NULL's type
    // follows its bind_optional), and a text value converts to an inferred type as a literal.
    m_name = m_connection.next_name();
    ResultPtr prepared(PQprepare(m_connection.handle(), m_name.c_str(), m_sql.c_str(),
                                 static_cast<int>(query.types.size()), query.types.data()));
    MLOPS_CHECK(m_connection.check(prepared.get(), "cannot prepare a store query"));
    m_prepared_in = m_connection.session();
  }
  query.prepared = true;
  query.text = m_name;
  return query;
}

Result<ResultPtr> PostgresStatement::execute() {
  MLOPS_TRY(built, query());
  return m_connection.send(&*built);
}

Status PostgresStatement::run_deferred() {
  if (!m_error.empty()) {
    return Error(ErrorKind::Internal, "store query parameter: " + m_error);
  }
  MLOPS_TRY(built, query());
  return m_connection.defer(std::move(*built));
}

Result<bool> PostgresStatement::step() {
  if (!m_error.empty()) {
    return Error(ErrorKind::Internal, "store query parameter: " + m_error);
  }
  if (!m_result) {
    auto result = execute();
    Status checked = result.ok() ? m_connection.check(result->get(), "store query failed")
                                 : Status(result.error());
    if (!checked.ok() && m_connection.reconnect_between_transactions()) {
      result = execute();
      checked = result.ok() ? m_connection.check(result->get(), "store query failed")
                            : Status(result.error());
    }
    MLOPS_CHECK(checked);
    m_result = std::move(*result);
    m_row = -1;
  }
  if (m_row + 1 < PQntuples(m_result.get())) {
    ++m_row;
    return true;
  }
  return false;
}

void PostgresStatement::reset() {
  m_result.reset();
  m_row = -1;
  m_error.clear();
  for (auto& parameter : m_parameters) {
    parameter.value.reset();  // the type stays: it is the statement's
  }
}

std::string_view PostgresStatement::column_view(int index) const {
  if (!m_result || PQgetisnull(m_result.get(), m_row, index)) {
    return {};
  }
  return {PQgetvalue(m_result.get(), m_row, index),
          static_cast<size_t>(PQgetlength(m_result.get(), m_row, index))};
}

int64_t PostgresStatement::column_int(int index) const {
  std::string_view text = column_view(index);
  if (text == "t" || text == "f") {
    return text == "t" ? 1 : 0;  // a boolean expression
  }
  return text.empty() ? 0 : std::strtoll(std::string(text).c_str(), nullptr, 10);
}

double PostgresStatement::column_double(int index) const {
  std::string_view text = column_view(index);
  return text.empty() ? 0.0 : std::strtod(std::string(text).c_str(), nullptr);
}

namespace {

std::vector<const char*> value_pointers(const Query& query) {
  std::vector<const char*> values;
  for (const auto& value : query.values) {
    values.push_back(value ? value->c_str() : nullptr);
  }
  return values;
}

int send_one(PGconn* conn, const Query& query) {
  std::vector<const char*> values = value_pointers(query);
  int count = static_cast<int>(values.size());
  return query.prepared ? PQsendQueryPrepared(conn, query.text.c_str(), count, values.data(),
                                              nullptr, nullptr, 0)
                        : PQsendQueryParams(conn, query.text.c_str(), count, query.types.data(),
                                            values.data(), nullptr, nullptr, 0);
}

}  // namespace

Result<ResultPtr> PostgresConnection::send(const Query* last) {
  std::vector<Query> queue = std::move(m_deferred);
  m_deferred.clear();
  m_send_error.reset();
  if (queue.empty() && last) {  // the usual case: one statement, no pipeline
    std::vector<const char*> values = value_pointers(*last);
    int count = static_cast<int>(values.size());
    return ResultPtr(
        last->prepared
            ? PQexecPrepared(m_conn, last->text.c_str(), count, values.data(), nullptr, nullptr, 0)
            : PQexecParams(m_conn, last->text.c_str(), count, last->types.data(), values.data(),
                           nullptr, nullptr, 0));
  }
  if (last) {
    queue.push_back(*last);
  }
  if (PQenterPipelineMode(m_conn) != 1) {
    m_send_error = Error(ErrorKind::Io, std::string("store pipeline: ") + PQerrorMessage(m_conn));
    return *m_send_error;
  }
  bool sent = true;
  for (const Query& query : queue) {
    sent = sent && send_one(m_conn, query) == 1;
  }
  sent = sent && PQpipelineSync(m_conn) == 1;
  // One result per query (then a NULL), each checked; after an error the rest come back
  // PGRES_PIPELINE_ABORTED; then the sync point.
  ResultPtr outcome;
  Status first = Status::success();
  for (size_t i = 0; sent && i < queue.size(); ++i) {
    ResultPtr result(PQgetResult(m_conn));
    while (PGresult* extra = PQgetResult(m_conn)) {
      PQclear(extra);
    }
    if (first.ok() && PQresultStatus(result.get()) != PGRES_PIPELINE_ABORTED) {
      first = check(result.get(), "store query failed");
    }
    outcome = std::move(result);
  }
  if (sent) {
    ResultPtr sync(PQgetResult(m_conn));  // PGRES_PIPELINE_SYNC
  }
  PQexitPipelineMode(m_conn);
  if (!sent) {
    m_send_error = Error(ErrorKind::Io, std::string("store pipeline: ") + PQerrorMessage(m_conn));
    return *m_send_error;
  }
  if (!first.ok()) {
    m_send_error = first.error();
    return first.error();
  }
  return outcome;
}

Status PostgresConnection::begin_write() {
  MLOPS_CHECK(execute("BEGIN"));
  m_in_transaction = true;
  if (m_busy_wait.count() <= 0) {
    ResultPtr locked(PQexec(m_conn, k_try_write_lock));
    Status checked = check(locked.get(), "cannot start a store transaction");
    if (checked.ok() && std::string_view(PQgetvalue(locked.get(), 0, 0)) == "t") {
      return Status::success();
    }
    rollback();
    return checked.ok() ? Error(ErrorKind::Busy, "another mlops process is writing to the store")
                        : checked;
  }
  // lock_timeout bounds the wait for the advisory lock as busy_timeout does under SQLite.
  ResultPtr locked(PQexec(
      m_conn,
      fmt::format("SET LOCAL lock_timeout = {}; {}", m_busy_wait.count(), k_write_lock).c_str()));
  Status checked = check(locked.get(), "cannot start a store transaction");
  if (!checked.ok()) {
    bool timed_out = m_last_state == "55P03";
    rollback();
    if (timed_out) {
      return Error(ErrorKind::Busy, "another mlops process kept writing to the store");
    }
  }
  return checked;
}

bool PostgresConnection::recover_transient() {
  std::string state = std::move(m_last_state);
  m_last_state.clear();
  if (PQstatus(m_conn) == CONNECTION_BAD) {
    return reconnect();
  }
  // serialization_failure, deadlock_detected: the transaction may succeed when run again.
  return state == "40001" || state == "40P01";
}

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn ? PQerrorMessage(conn) : "out of memory";
    PQfinish(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return Error(ErrorKind::Io, message);
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  auto connection = std::make_unique<PostgresConnection>(conn);
  // Comparisons and ORDER BY follow bytes as under SQLite (the schema's text columns are
  // COLLATE "C"); timestamps are the store's ISO 8601 text, never the server's clock.
  MLOPS_CHECK(
      connection->execute("SET client_encoding = 'UTF8'; SET client_min_messages = warning"));
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace mlops::sql
