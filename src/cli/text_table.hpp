// Left-aligned text tables for the query commands' human output.
#pragma once

#include <string>
#include <vector>

namespace mlops {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers) : m_rows{std::move(headers)} {}
  void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  bool empty() const { return m_rows.size() == 1; }
  // Columns separated by two spaces, no trailing blanks.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> m_rows;
};

}  // namespace mlops
