#include "store/sql.hpp"

namespace mlops::sql {

Result<Statement*> Connection::cached(const std::string& sql) {
  auto it = m_cache.find(sql);
  if (it == m_cache.end()) {
    MLOPS_TRY(statement, prepare_persistent(sql));
    it = m_cache.emplace(sql, std::make_unique<Statement>(std::move(*statement))).first;
  }
  it->second->reset();
  return it->second.get();
}

Result<std::unique_ptr<WriteTransaction>> WriteTransaction::begin(Connection& connection) {
  MLOPS_CHECK(connection.begin_write());
  return std::unique_ptr<WriteTransaction>(new WriteTransaction(connection));
}

WriteTransaction::~WriteTransaction() {
  if (!m_done) {
    m_connection.rollback();
  }
}

Status WriteTransaction::commit() {
  Status committed = m_connection.commit();
  if (committed.ok()) {
    m_done = true;
  }
  return committed;
}

}  // namespace mlops::sql
