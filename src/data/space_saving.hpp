// SpaceSaving heavy hitters (Metwally, Agrawal, El Abbadi: "Efficient Computation of Frequent and
// Top-k Elements in Data Streams", 2005).
//
// Monitors at most `capacity` values with a counter each. A value not monitored replaces the one
// with the smallest counter and inherits that counter as its error. Every value whose true count
// exceeds total / capacity is monitored, and each reported count overestimates the true one by
// at most its `error` (count - error <= true count <= count). add() is O(1) amortized.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

struct FrequentItem {
  std::string value;
  uint64_t count = 0;  // an upper bound of the true count
  uint64_t error = 0;  // count - error is a lower bound
};

class SpaceSaving {
 public:
  static constexpr uint32_t k_default_capacity = 1024;

  // `capacity` >= 1.
  explicit SpaceSaving(uint32_t capacity = k_default_capacity);

  void add(std::string_view value, uint64_t weight = 1);
  // Adds `other`'s counters (Agarwal et al., "Mergeable Summaries", 2012: sum the counters, keep
  // the `capacity` largest; errors add up).
  void merge(const SpaceSaving& other);

  // The `n` largest counters, by count descending, then value ascending (deterministic).
  std::vector<FrequentItem> top(size_t n) const;
  uint64_t total() const { return m_total; }  // the sum of every weight added
  uint32_t capacity() const { return m_capacity; }

  std::string serialize() const;
  // Corrupt when `bytes` is not a summary this version wrote.
  static Result<SpaceSaving> deserialize(std::string_view bytes);

 private:
  // ... implementation's choice (a hash map from value to slot and a structure that finds the
  // smallest counter in O(1) or O(log capacity)).
  uint32_t m_capacity;
  uint64_t m_total = 0;
};

}  // namespace mlops
