// Helpers for the data/ tests: a RecordSource that only answers what Profiler::finish asks.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/record_source.hpp"

namespace mlops::testing {

class NoSource : public RecordSource {
 public:
  explicit NoSource(std::vector<std::string> columns) : m_columns(std::move(columns)) {}
  const std::vector<std::string>& columns() const override { return m_columns; }
  Result<bool> next(Record&) override { return false; }

 private:
  std::vector<std::string> m_columns;
};

}  // namespace mlops::testing
