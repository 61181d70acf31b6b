#include "features/commit_stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "hash/digest.hpp"

namespace mlops {

void FeatureStatistics::add(size_t row) {
  if (m_column.is_null(row)) {
    ++m_nulls;
    return;
  }
  ++m_count;
  switch (m_column.type) {
    case FeatureType::Int:
    case FeatureType::Bool: {
      int64_t value = m_column.ints[row];
      m_moments.add(static_cast<double>(value));
      m_distinct.add_hash(hash64(std::string_view(reinterpret_cast<const char*>(&value), 8)));
      break;
    }
    case FeatureType::Float: {
      double value = m_column.floats[row];
      if (std::isfinite(value)) {
        m_moments.add(value);
      }
      m_distinct.add_hash(hash64(std::string_view(reinterpret_cast<const char*>(&value), 8)));
      break;
    }
    case FeatureType::String:
      m_distinct.add(m_column.texts[row]);
      break;
  }
}

std::string FeatureStatistics::json() const {
  nlohmann::json doc = {
      {"count", m_count},
      {"nulls", m_nulls},
      {"distinct", m_count == 0 ? 0
                                : std::min<int64_t>(static_cast<int64_t>(m_count),
                                                    std::llround(m_distinct.estimate()))}};
  if (m_column.type != FeatureType::String && m_moments.count > 0) {
    doc["min"] = m_moments.min;
    doc["max"] = m_moments.max;
    doc["mean"] = m_moments.mean;
    doc["stddev"] = m_moments.stddev();
  }
  return doc.dump();
}

}  // namespace mlops
