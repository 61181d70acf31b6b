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
  // Longer values are monitored by their first k_max_value_bytes bytes (cut at a UTF-8
  // character boundary), so that a column of long texts cannot make the summary large.
  static constexpr size_t k_max_value_bytes = 1024;

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
  // Each monitored value has a slot. An open-addressing table (linear probing) maps a value's
  // hash64 to its slot, and a 4-ary min-heap of (count, slot) finds the slot to replace; the
  // heap holds the counts, so that sifting reads one small array.
  struct Slot {
    std::string value;
    uint64_t hash = 0;
    uint64_t error = 0;
  };
  struct HeapEntry {
    uint64_t count;
    uint32_t slot;
  };
  struct TableEntry {
    uint32_t slot;  // k_empty for none
    uint32_t tag;   // the low 32 bits of the value's hash: probes compare it before the value
  };
  static constexpr uint32_t k_empty = UINT32_MAX;

  // The table position of `value`, or of the empty entry where it would go.
  size_t probe(std::string_view value, uint64_t hash) const;
  // The slot monitoring `value`, or k_empty.
  uint32_t find(std::string_view value) const;
  uint64_t count_of(uint32_t slot) const { return m_heap[m_position[slot]].count; }
  void insert_slot(std::string_view value, uint64_t hash, uint64_t count, uint64_t error);
  void replace_smallest(std::string_view value, uint64_t hash, uint64_t weight);
  void erase_from_table(uint32_t slot);
  void grow_table();
  void place(uint32_t position, HeapEntry entry);
  void sift_up(uint32_t position);
  void sift_down(uint32_t position);
  // An upper bound of the true count of any value not monitored.
  uint64_t unmonitored_bound() const;
  // Slot indices by count descending, then value ascending.
  std::vector<uint32_t> ordered_slots() const;

  uint32_t m_capacity;
  uint64_t m_total = 0;
  // The bound on values not monitored while there are free slots: 0, except after merging a
  // summary that had replaced values (merge()).
  uint64_t m_floor = 0;
  std::vector<Slot> m_slots;
  std::vector<HeapEntry> m_heap;
  std::vector<uint32_t> m_position;  // per slot, its index in m_heap
  std::vector<TableEntry> m_table;   // a power of two long, at most half full
};

}  // namespace mlops
