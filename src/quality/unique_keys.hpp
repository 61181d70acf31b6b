// An exact set of 64-bit key hashes with a memory cap, for `unique` checks.
//
// Open addressing with linear probing over the hashes themselves (XXH3-64 of the key: already
// uniform, so the low bits are the slot), at most 70 % full, doubling as it grows: 8 bytes a slot,
// about 11.5 bytes a key. Two different keys with the same 64-bit hash count as a repeat: with n
// keys that happens with probability about n² / 2^65 (3·10⁻⁶ at 10 million keys).
//
// When one more key would need more than `max_bytes`, the set stops (overflowed(): its memory is
// released) and the caller falls back to an estimate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mlops {

class UniqueKeySet {
 public:
  enum class Insert { New, Repeat, Overflow };

  explicit UniqueKeySet(size_t max_bytes);

  // New the first time a hash is seen, Repeat after; Overflow from the key that did not fit on.
  Insert insert(uint64_t hash);

  bool overflowed() const { return m_overflowed; }
  size_t size() const { return m_count; }
  // The most keys the cap allows.
  size_t capacity_keys() const;

 private:
  void grow();

  std::vector<uint64_t> m_slots;  // 0: empty (a hash of 0 is stored as 1)
  size_t m_count = 0;
  size_t m_max_slots;
  bool m_overflowed = false;
};

}  // namespace mlops
