// KLL quantile sketch (Karnin, Lang, Liberty: "Optimal Quantile Approximation in Streams", 2016).
//
// Keeps O(k · log(n/k)) of the values it is given in levels of compactors; an item at level h
// stands for 2^h original values. When the sketch is over capacity, the lowest full level is
// sorted and every other item (odd or even positions) is promoted to the level above. With the
// default k = 200 the normalized rank error is about 1.65 % at 99 % confidence (single-sided
// ~1.33 %), independent of n. Sketches merge (level by level), so a profile of a file equals,
// within the error bound, the merge of profiles of its parts.
//
// Deterministic: the coin that picks odd or even positions comes from a fixed-seed generator,
// so profiling the same data twice gives byte-identical sketches (profiles are content-addressed
// artifacts and must not change when the data did not).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace mlops {

class KllSketch {
 public:
  static constexpr uint16_t k_default_k = 200;

  // `k` in [8, 65535]; larger k is more accurate and larger.
  explicit KllSketch(uint16_t k = k_default_k);

  // Adds a value. NaN is ignored (the caller counts NaNs); infinities are kept.
  void update(double value);
  // Adds every value of `other` (which may have a different k; the result keeps this k).
  void merge(const KllSketch& other);

  uint64_t count() const { return m_count; }
  bool empty() const { return m_count == 0; }
  double min() const { return m_min; }  // exact; requires !empty()
  double max() const { return m_max; }  // exact; requires !empty()
  uint16_t k() const { return m_k; }
  size_t retained() const;  // items kept

  // The value at normalized rank `rank` (clamped to [0, 1]): 0 gives min(), 1 gives max(), 0.5
  // the median. Requires !empty().
  double quantile(double rank) const;
  // quantile() of each rank, sorting the retained items once (a profile's 9 quantiles and 11
  // decile edges, a drift's reference deciles). Requires !empty().
  std::vector<double> quantiles(const std::vector<double>& ranks) const;
  // The estimated fraction of values <= `value` (0 when empty).
  double rank(double value) const;
  // The retained items sorted by value, each with its weight (2^level); the weights sum to
  // count(). What a KS distance between two sketches is computed from.
  std::vector<std::pair<double, uint64_t>> sorted_items() const;

  // A compact little-endian encoding (data/byte_codec.hpp), versioned.
  std::string serialize() const;
  // Corrupt when `bytes` is not a sketch this version wrote (short, inconsistent counts, levels
  // out of order, k out of range); never reads out of bounds.
  static Result<KllSketch> deserialize(std::string_view bytes);

 private:
  // Compacts the lowest level at or over its capacity until the items fit the total capacity.
  void compress();
  void compact_level(size_t level);
  // Adds an empty level on top; every level's capacity shrinks by 2/3 (kll.cpp).
  void add_level();
  bool coin();

  uint16_t m_k;
  uint64_t m_count = 0;
  double m_min = 0;
  double m_max = 0;
  // m_levels[h] holds items of weight 2^h. Level 0 is in arrival order (update() only appends
  // to it); every level above is kept sorted.
  std::vector<std::vector<double>> m_levels;
  std::vector<uint32_t> m_capacities;  // per level: k · (2/3)^(depth from the top), at least 8
  uint64_t m_total_capacity = 0;       // their sum: compress() runs when m_retained reaches it
  uint64_t m_retained = 0;
  uint64_t m_coin_state;  // splitmix64, from a fixed seed; serialized
};

}  // namespace mlops
