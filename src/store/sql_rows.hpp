// Reading rows of a sql::Statement (the SqlStore's .cpp files): nullable columns and whole
// result sets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sql.hpp"

namespace mlops::sql {

inline std::optional<std::string> optional_text(const Statement& row, int column) {
  return row.column_is_null(column) ? std::nullopt : std::optional(row.column_text(column));
}

inline std::optional<int64_t> optional_int(const Statement& row, int column) {
  return row.column_is_null(column) ? std::nullopt : std::optional(row.column_int(column));
}

// Steps through every row of `statement`, turning each into a T with `read`.
template <typename T, typename Read>
Result<std::vector<T>> collect(Statement& statement, Read read) {
  std::vector<T> rows;
  while (true) {
    MLOPS_TRY(row, statement.step());
    if (!*row) {
      return rows;
    }
    rows.push_back(read(statement));
  }
}

}  // namespace mlops::sql
