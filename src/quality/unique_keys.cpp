#include "quality/unique_keys.hpp"

#include <algorithm>

namespace mlops {

namespace {

constexpr size_t k_initial_slots = 1024;

// Grow before the table is 70 % full.
bool over_load(size_t count, size_t slots) {
  return (count + 1) * 10 > slots * 7;
}

}  // namespace

UniqueKeySet::UniqueKeySet(size_t max_bytes) {
  size_t slots = k_initial_slots;
  while (slots * 2 * sizeof(uint64_t) <= max_bytes)
    slots *= 2;
  m_max_slots = std::max(slots, k_initial_slots);
  m_slots.assign(std::min(k_initial_slots, m_max_slots), 0);
}

size_t UniqueKeySet::capacity_keys() const {
  return m_max_slots * 7 / 10;
}

void UniqueKeySet::grow() {
  std::vector<uint64_t> old = std::move(m_slots);
  m_slots.assign(old.size() * 2, 0);
  size_t mask = m_slots.size() - 1;
  for (uint64_t hash : old) {
    if (hash == 0)
      continue;
    size_t slot = hash & mask;
    while (m_slots[slot] != 0)
      slot = (slot + 1) & mask;
    m_slots[slot] = hash;
  }
}

UniqueKeySet::Insert UniqueKeySet::insert(uint64_t hash) {
  if (m_overflowed)
    return Insert::Overflow;
  if (hash == 0)
    hash = 1;
  size_t mask = m_slots.size() - 1;
  size_t slot = hash & mask;
  while (m_slots[slot] != 0) {
    if (m_slots[slot] == hash)
      return Insert::Repeat;
    slot = (slot + 1) & mask;
  }
  if (over_load(m_count, m_slots.size())) {
    if (m_slots.size() >= m_max_slots) {
      m_overflowed = true;
      std::vector<uint64_t>().swap(m_slots);
      return Insert::Overflow;
    }
    grow();
    return insert(hash);
  }
  m_slots[slot] = hash;
  ++m_count;
  return Insert::New;
}

}  // namespace mlops
