#include "data/kll.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

#include "data/byte_codec.hpp"

namespace mlops {

// The encoding (little-endian, data/byte_codec.hpp):
//   u8 version (1), u16 k, u64 count, u64 coin state, u8 levels H
//   if count > 0: f64 min, f64 max
//   H × (u32 n, n × f64), level 0 first
// Level 0 is written in arrival order, so the same values in the same order give the same bytes.
namespace {

constexpr uint8_t k_version = 1;
constexpr uint16_t k_min_k = 8;
constexpr uint32_t k_min_capacity = 8;
// An item of level h weighs 2^h and the top level is never empty, so a count that fits in 64
// bits has at most 64 levels.
constexpr size_t k_max_levels = 64;
constexpr uint64_t k_coin_seed = 0x9e3779b97f4a7c15ULL;
constexpr size_t k_network_sort_limit = 128;

// k · (2/3)^depth, rounded, at least 8: computed in integers so that every platform gives the
// same capacities (and so the same sketch bytes). (2/3)^31 · 65535 < 1, so deeper is the minimum.
uint32_t depth_capacity(uint16_t k, size_t depth) {
  if (depth > 30)
    return k_min_capacity;
  uint64_t power3 = 1;
  for (size_t i = 0; i < depth; ++i)
    power3 *= 3;
  uint64_t capacity = ((uint64_t{k} << depth) + power3 / 2) / power3;
  return std::max<uint32_t>(static_cast<uint32_t>(capacity), k_min_capacity);
}

uint64_t total_capacity(uint16_t k, size_t levels) {
  uint64_t total = 0;
  for (size_t h = 0; h < levels; ++h)
    total += depth_capacity(k, levels - 1 - h);
  return total;
}

// Merges `count` sorted values at `source` into the sorted `target`, from the back, in place.
// Branch-free in the loop (the comparison selects, it does not jump): on random data a branch
// would be mispredicted every other value. (Merging from both ends at once, two chains in one
// loop, measured slower: these merges are of a few dozen values.)
void merge_sorted(std::vector<double>& target, const double* source, size_t count) {
  size_t i = target.size();
  size_t j = count;
  target.insert(target.end(), source, source + count);  // room, without zero-filling it
  double* out = target.data();
  size_t k = i + count;
  while (i > 0 && j > 0) {
    const double a = out[i - 1];
    const double b = source[j - 1];
    const bool take_a = a > b;
    out[--k] = take_a ? a : b;
    i -= take_a;
    j -= !take_a;
  }
  std::copy(source, source + j, out);
}

// Sorts a few values with Batcher's merge-exchange network (Knuth, TAOCP vol. 3, 5.2.2,
// algorithm M): a fixed sequence of compare-exchanges, each a min and a max, so no branch
// depends on the data. Level 0 is mostly compacted in batches of 8 to 40 values, where this made
// update() 1.6 times as fast as std::sort's insertion sort on random values (bench/micro
// kll_update; sorted input, where insertion sort mispredicts nothing, is 1.3 times slower).
void network_sort(double* values, size_t n) {
  if (n < 2)
    return;
  const size_t top = size_t{1} << (std::bit_width(n - 1) - 1);
  for (size_t p = top; p > 0; p >>= 1) {
    size_t q = top, r = 0, d = p;
    while (true) {
      // Compare-exchange i and i + d for every i < n - d with (i & p) == r.
      for (size_t block = 0; block + r + d < n; block += 2 * p) {
        const size_t end = std::min(block + r + p, n - d);
        for (size_t i = block + r; i < end; ++i) {
          const double x = values[i];
          const double y = values[i + d];
          values[i] = std::min(x, y);
          values[i + d] = std::max(x, y);
        }
      }
      if (q == p)
        break;
      d = q - p;
      q >>= 1;
      r = p;
    }
  }
}

void sort_values(std::vector<double>& values) {
  if (values.size() <= k_network_sort_limit) {
    network_sort(values.data(), values.size());
  } else {
    std::sort(values.begin(), values.end());
  }
}

Error corrupt(const std::string& what) {
  return Error(ErrorKind::Corrupt, "KLL sketch: " + what +
                                       " (the profile holding it is damaged or was written by "
                                       "another version of mlops: profile the data again)");
}

}  // namespace

KllSketch::KllSketch(uint16_t k)
    : m_k(std::max(k, k_min_k)), m_levels(1), m_coin_state(k_coin_seed) {
  assert(k >= k_min_k);
  m_capacities.push_back(depth_capacity(m_k, 0));
  m_total_capacity = m_capacities[0];
}

size_t KllSketch::retained() const {
  return m_retained;
}

void KllSketch::update(double value) {
  if (std::isnan(value))
    return;
  if (m_count == 0) {
    m_min = value;
    m_max = value;
  } else {
    if (value < m_min)
      m_min = value;
    if (value > m_max)
      m_max = value;
  }
  ++m_count;
  m_levels[0].push_back(value);
  if (++m_retained >= m_total_capacity)
    compress();
}

void KllSketch::add_level() {
  m_levels.emplace_back();
  const size_t levels = m_levels.size();
  m_capacities.resize(levels);
  for (size_t h = 0; h < levels; ++h)
    m_capacities[h] = depth_capacity(m_k, levels - 1 - h);
  m_total_capacity = total_capacity(m_k, levels);
}

bool KllSketch::coin() {
  // splitmix64 (Steele, Lea, Flood 2014): one step per compaction.
  uint64_t z = (m_coin_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return ((z ^ (z >> 31)) & 1) != 0;
}

void KllSketch::compress() {
  // Σ sizes >= Σ capacities means some level is at or over its capacity.
  while (m_retained >= m_total_capacity) {
    size_t level = 0;
    while (level + 1 < m_levels.size() && m_levels[level].size() < m_capacities[level])
      ++level;
    if (level + 1 == m_levels.size())
      add_level();
    compact_level(level);
  }
}

// Sorts the level (level 0 only: the others are sorted) and promotes the items at odd or even
// positions, as the coin says, to the level above; with an odd count the smallest item stays.
void KllSketch::compact_level(size_t level) {
  std::vector<double>& items = m_levels[level];
  if (level == 0)
    sort_values(items);
  assert(std::is_sorted(items.begin(), items.end()));
  const size_t start = items.size() % 2;
  const size_t pairs = (items.size() - start) / 2;
  const size_t offset = start + (coin() ? 1 : 0);
  for (size_t i = 0; i < pairs; ++i)
    items[start + i] = items[offset + 2 * i];
  merge_sorted(m_levels[level + 1], items.data() + start, pairs);
  items.resize(start);
  m_retained -= pairs;
}

void KllSketch::merge(const KllSketch& other) {
  if (other.empty())
    return;
  if (&other == this) {
    KllSketch copy = other;
    merge(copy);
    return;
  }
  if (empty()) {
    m_min = other.m_min;
    m_max = other.m_max;
  } else {
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
  }
  m_count += other.m_count;
  while (m_levels.size() < other.m_levels.size())
    add_level();
  const std::vector<double>& other_level0 = other.m_levels[0];
  m_levels[0].insert(m_levels[0].end(), other_level0.begin(), other_level0.end());
  for (size_t h = 1; h < other.m_levels.size(); ++h) {
    merge_sorted(m_levels[h], other.m_levels[h].data(), other.m_levels[h].size());
  }
  m_retained += other.m_retained;
  compress();
}

std::vector<std::pair<double, uint64_t>> KllSketch::sorted_items() const {
  std::vector<std::pair<double, uint64_t>> items;
  items.reserve(m_retained);
  for (size_t h = 0; h < m_levels.size(); ++h) {
    for (double value : m_levels[h])
      items.emplace_back(value, uint64_t{1} << h);
  }
  std::sort(items.begin(), items.end());
  return items;
}

double KllSketch::quantile(double rank) const {
  return quantiles({rank}).front();
}

std::vector<double> KllSketch::quantiles(const std::vector<double>& ranks) const {
  assert(!empty());
  std::vector<std::pair<double, uint64_t>> items = sorted_items();
  std::vector<uint64_t> cumulative(items.size());
  uint64_t sum = 0;
  for (size_t i = 0; i < items.size(); ++i)
    cumulative[i] = sum += items[i].second;
  std::vector<double> out;
  out.reserve(ranks.size());
  for (double rank : ranks) {
    if (!(rank > 0)) {
      out.push_back(m_min);
      continue;
    }
    if (rank >= 1) {
      out.push_back(m_max);
      continue;
    }
    // The smallest item whose cumulative weight reaches rank · count.
    const double target = rank * static_cast<double>(m_count);
    auto at = std::lower_bound(cumulative.begin(), cumulative.end(), target,
                               [](uint64_t c, double t) { return static_cast<double>(c) < t; });
    out.push_back(
        at == cumulative.end()
            ? m_max
            : std::clamp(items[static_cast<size_t>(at - cumulative.begin())].first, m_min, m_max));
  }
  return out;
}

double KllSketch::rank(double value) const {
  if (empty())
    return 0;
  uint64_t below = 0;
  for (double item : m_levels[0])
    below += item <= value;
  for (size_t h = 1; h < m_levels.size(); ++h) {
    const auto& items = m_levels[h];
    auto count = std::upper_bound(items.begin(), items.end(), value) - items.begin();
    below += static_cast<uint64_t>(count) << h;
  }
  return static_cast<double>(below) / static_cast<double>(m_count);
}

std::string KllSketch::serialize() const {
  ByteWriter writer;
  writer.u8(k_version);
  writer.u16(m_k);
  writer.u64(m_count);
  writer.u64(m_coin_state);
  writer.u8(static_cast<uint8_t>(m_levels.size()));
  if (m_count > 0) {
    writer.f64(m_min);
    writer.f64(m_max);
  }
  for (const auto& items : m_levels) {
    writer.u32(static_cast<uint32_t>(items.size()));
    for (double value : items)
      writer.f64(value);
  }
  return writer.take();
}

Result<KllSketch> KllSketch::deserialize(std::string_view bytes) {
  ByteReader reader(bytes);
  uint8_t version = 0, levels = 0;
  uint16_t k = 0;
  uint64_t count = 0, coin_state = 0;
  if (!reader.u8(version))
    return corrupt("empty");
  if (version != k_version)
    return corrupt("unknown version " + std::to_string(version));
  if (!reader.u16(k) || !reader.u64(count) || !reader.u64(coin_state) || !reader.u8(levels)) {
    return corrupt("truncated header");
  }
  if (k < k_min_k)
    return corrupt("k = " + std::to_string(k) + " is below 8");
  if (levels < 1 || levels > k_max_levels) {
    return corrupt(std::to_string(levels) + " levels is not in [1, 64]");
  }
  KllSketch sketch(k);
  sketch.m_coin_state = coin_state;
  while (sketch.m_levels.size() < levels)
    sketch.add_level();
  sketch.m_count = count;
  if (count > 0) {
    if (!reader.f64(sketch.m_min) || !reader.f64(sketch.m_max))
      return corrupt("truncated");
    if (!(sketch.m_min <= sketch.m_max))
      return corrupt("min is not <= max");
  }
  // Every item is a value in [min, max]; the levels above 0 are sorted; the weights add up to
  // count; the items fit the capacity (which bounds what a hostile buffer can make us allocate).
  uint64_t weight = 0;
  for (size_t h = 0; h < levels; ++h) {
    uint32_t size = 0;
    if (!reader.u32(size))
      return corrupt("truncated at level " + std::to_string(h));
    sketch.m_retained += size;
    if (sketch.m_retained >= sketch.m_total_capacity || size > reader.remaining() / 8) {
      return corrupt("level " + std::to_string(h) + " has more items than fit");
    }
    std::vector<double>& items = sketch.m_levels[h];
    items.resize(size);
    for (uint32_t i = 0; i < size; ++i) {
      double value = 0;
      if (!reader.f64(value))
        return corrupt("truncated at level " + std::to_string(h));
      if (!(value >= sketch.m_min && value <= sketch.m_max)) {
        return corrupt("an item outside [min, max] at level " + std::to_string(h));
      }
      if (h > 0 && i > 0 && value < items[i - 1]) {
        return corrupt("level " + std::to_string(h) + " is not sorted");
      }
      items[i] = value;
    }
    // size · 2^h, and the sum, must not overflow: a count cannot be larger than 2^64 - 1.
    if (size > (UINT64_MAX >> h) || (uint64_t{size} << h) > UINT64_MAX - weight)
      return corrupt("the item weights add up to more than 2^64");
    weight += uint64_t{size} << h;
  }
  if (weight != count)
    return corrupt("the item weights do not add up to the count");
  if (levels > 1 && sketch.m_levels.back().empty())
    return corrupt("the top level is empty");
  if (!reader.at_end())
    return corrupt("trailing bytes after the levels");
  return sketch;
}

}  // namespace mlops
