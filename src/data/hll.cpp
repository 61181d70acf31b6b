#include "data/hll.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>

#include "data/byte_codec.hpp"
#include "hash/digest.hpp"

namespace mlops {

// The encoding (little-endian, data/byte_codec.hpp):
//   u8 version (1), u8 precision p, u8 form
//   form 0 (dense):  2^p register bytes
//   form 1 (sparse): u32 n, then n × (u32 index, u8 value), indices strictly increasing, values
//                    non-zero; written when it is shorter than the dense form (few distinct
//                    values), so that a profile of a small column stays small.
namespace {

constexpr uint8_t k_version = 1;
constexpr uint8_t k_dense = 0;
constexpr uint8_t k_sparse = 1;
constexpr uint8_t k_min_precision = 4;
constexpr uint8_t k_max_precision = 18;

// The largest register value a 64-bit hash can give: all 64 - p bits after the index zero.
uint8_t max_register(uint8_t precision) {
  return static_cast<uint8_t>(64 - precision + 1);
}

// σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k-1) and τ(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))² · 2^-k) / 3
// (Ertl 2017, section 3), summed until the terms vanish in double precision.
double sigma(double x) {
  if (x == 1)
    return std::numeric_limits<double>::infinity();
  double y = 1;
  double z = x;
  while (true) {
    x *= x;
    const double previous = z;
    z += x * y;
    y += y;
    if (z == previous)
      return z;
  }
}

double tau(double x) {
  if (x == 0 || x == 1)
    return 0;
  double y = 1;
  double z = 1 - x;
  while (true) {
    x = std::sqrt(x);
    const double previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
    if (z == previous)
      return z / 3;
  }
}

Error corrupt(const std::string& what) {
  return Error(ErrorKind::Corrupt, "HyperLogLog sketch: " + what +
                                       " (the profile holding it is damaged or was written by "
                                       "another version of mlops: profile the data again)");
}

}  // namespace

HyperLogLog::HyperLogLog(uint8_t precision)
    : m_precision(std::clamp(precision, k_min_precision, k_max_precision)),
      m_registers(size_t{1} << m_precision, 0) {
  assert(precision >= k_min_precision && precision <= k_max_precision);
}

void HyperLogLog::add_hash(uint64_t hash) {
  // The first p bits pick the register; the rank is the position of the first 1 bit in the rest.
  size_t index = hash >> (64 - m_precision);
  uint64_t rest = hash << m_precision;
  auto rank =
      static_cast<uint8_t>(rest == 0 ? max_register(m_precision) : std::countl_zero(rest) + 1);
  uint8_t& reg = m_registers[index];
  if (rank > reg)
    reg = rank;
}

void HyperLogLog::add(std::string_view bytes) {
  add_hash(hash64(bytes));
}

// Ertl's improved raw estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", 2017, algorithm 6) from the histogram of register values: the raw estimate
// α∞ · m² / Σ 2^-M[j] with the registers still at 0 (σ) and those at the largest value (τ)
// accounted for exactly. Below about 2.5 m it behaves like linear counting, above like the raw
// estimate, without the bias of switching between the two at a threshold (+2 % around 2.5 m
// with the classic rule) and without HLL++'s empirical bias tables.
double HyperLogLog::estimate() const {
  const int q = 64 - m_precision;
  std::array<uint64_t, 66> histogram{};
  for (uint8_t reg : m_registers)
    ++histogram[reg];
  const double m = static_cast<double>(m_registers.size());
  if (histogram[0] == m_registers.size())
    return 0;
  double z = m * tau(1 - static_cast<double>(histogram[q + 1]) / m);
  for (int k = q; k >= 1; --k)
    z = 0.5 * (z + static_cast<double>(histogram[k]));
  z += m * sigma(static_cast<double>(histogram[0]) / m);
  if (!(z > 0))
    return std::numeric_limits<double>::infinity();
  return m * m / (2 * std::log(2.0)) / z;
}

Status HyperLogLog::merge(const HyperLogLog& other) {
  if (other.m_precision != m_precision) {
    return Error(ErrorKind::Usage, "cannot merge HyperLogLog sketches of precision " +
                                       std::to_string(m_precision) + " and " +
                                       std::to_string(other.m_precision) +
                                       ": profile both with the same precision");
  }
  for (size_t i = 0; i < m_registers.size(); ++i) {
    m_registers[i] = std::max(m_registers[i], other.m_registers[i]);
  }
  return Status::success();
}

std::string HyperLogLog::serialize() const {
  size_t nonzero = m_registers.size() - std::count(m_registers.begin(), m_registers.end(), 0);
  ByteWriter writer;
  writer.u8(k_version);
  writer.u8(m_precision);
  if (4 + nonzero * 5 < m_registers.size()) {
    writer.u8(k_sparse);
    writer.u32(static_cast<uint32_t>(nonzero));
    for (size_t i = 0; i < m_registers.size(); ++i) {
      if (m_registers[i] == 0)
        continue;
      writer.u32(static_cast<uint32_t>(i));
      writer.u8(m_registers[i]);
    }
  } else {
    writer.u8(k_dense);
    writer.raw(
        std::string_view(reinterpret_cast<const char*>(m_registers.data()), m_registers.size()));
  }
  return writer.take();
}

Result<HyperLogLog> HyperLogLog::deserialize(std::string_view bytes) {
  ByteReader reader(bytes);
  uint8_t version = 0, precision = 0, form = 0;
  if (!reader.u8(version) || !reader.u8(precision) || !reader.u8(form)) {
    return corrupt("too short (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (version != k_version)
    return corrupt("unknown version " + std::to_string(version));
  if (precision < k_min_precision || precision > k_max_precision) {
    return corrupt("precision " + std::to_string(precision) + " is not in [4, 18]");
  }
  HyperLogLog sketch(precision);
  const size_t m = sketch.m_registers.size();
  const uint8_t limit = max_register(precision);
  if (form == k_dense) {
    std::string_view raw;
    if (!reader.raw(m, raw))
      return corrupt("fewer than " + std::to_string(m) + " registers");
    for (size_t i = 0; i < m; ++i) {
      auto reg = static_cast<uint8_t>(raw[i]);
      if (reg > limit)
        return corrupt("register value " + std::to_string(reg) + " is impossible");
      sketch.m_registers[i] = reg;
    }
  } else if (form == k_sparse) {
    uint32_t count = 0;
    if (!reader.u32(count) || count > m)
      return corrupt("bad count of sparse registers");
    int64_t previous = -1;
    for (uint32_t n = 0; n < count; ++n) {
      uint32_t index = 0;
      uint8_t reg = 0;
      if (!reader.u32(index) || !reader.u8(reg))
        return corrupt("truncated sparse registers");
      if (static_cast<int64_t>(index) <= previous || index >= m || reg == 0 || reg > limit) {
        return corrupt("sparse register " + std::to_string(index) + " is out of order or range");
      }
      sketch.m_registers[index] = reg;
      previous = index;
    }
  } else {
    return corrupt("unknown form " + std::to_string(form));
  }
  if (!reader.at_end())
    return corrupt("trailing bytes after the registers");
  return sketch;
}

}  // namespace mlops
