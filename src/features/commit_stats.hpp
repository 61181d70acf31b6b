// Statistics of the values one commit wrote, per feature (docs/feature-store.md, "Statistics"):
// count (non-null values), nulls, and for numbers min, max, mean and stddev (data/moments.hpp),
// and an approximate distinct count (HyperLogLog, data/hll.hpp, about 1.6 % error). Kept as
// JSON in the group's commit_stats table.
#pragma once

#include <string>
#include <vector>

#include "data/hll.hpp"
#include "data/moments.hpp"
#include "features/row_batch.hpp"

namespace mlops {

class FeatureStatistics {
 public:
  explicit FeatureStatistics(const ColumnValues& column) : m_column(column) {}
  void add(size_t row);
  std::string json() const;

 private:
  const ColumnValues& m_column;
  uint64_t m_nulls = 0;
  uint64_t m_count = 0;
  Moments m_moments;
  HyperLogLog m_distinct;
};

}  // namespace mlops
