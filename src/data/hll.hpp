// HyperLogLog distinct-count sketch (Flajolet et al. 2007, with 64-bit hashes as in Heule,
// Nunkesser, Hall: "HyperLogLog in Practice", 2013). The estimate is Ertl's improved raw
// estimator (2017), which is unbiased from 0 to far beyond 2^p distinct values without a
// linear-counting threshold or bias tables (hll.cpp).
//
// 2^p one-byte registers; with the default p = 12 (4 KiB) the relative standard error is
// 1.04 / sqrt(4096) ≈ 1.6 %. Values are hashed with hash64 (XXH3-64, hash/digest.hpp), so the
// caller passes either bytes or a hash it already has (the profiler hashes each field once and
// feeds the hash to several sketches). Sketches of the same precision merge by register max.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

class HyperLogLog {
 public:
  static constexpr uint8_t k_default_precision = 12;

  // `precision` in [4, 18].
  explicit HyperLogLog(uint8_t precision = k_default_precision);

  void add_hash(uint64_t hash);
  void add(std::string_view bytes);

  // The estimated number of distinct values added (0 when nothing was).
  double estimate() const;
  // Usage error when the precisions differ.
  Status merge(const HyperLogLog& other);
  uint8_t precision() const { return m_precision; }

  std::string serialize() const;
  // Corrupt when `bytes` is not a sketch this version wrote (wrong length or precision, a
  // register value impossible for 64-bit hashes).
  static Result<HyperLogLog> deserialize(std::string_view bytes);

 private:
  uint8_t m_precision;
  std::vector<uint8_t> m_registers;
};

}  // namespace mlops
