#include "data/space_saving.hpp"

#include <algorithm>
#include <cassert>

#include "data/byte_codec.hpp"
#include "hash/digest.hpp"

namespace mlops {

// The encoding (little-endian, data/byte_codec.hpp):
//   u8 version (1), u32 capacity, u64 total, u64 floor, u32 n
//   n × (text value, u64 count, u64 error), in the order of the heap
// Keeping the heap's order keeps which of several equal smallest counters is replaced next, so a
// summary read back goes on exactly as the one written would have; the same values added in the
// same order give the same bytes.
namespace {

constexpr uint8_t k_version = 1;
// What deserialize() accepts: a summary is made by the profiler with a capacity of about a
// thousand; sixteen million slots would already be hundreds of megabytes.
constexpr uint32_t k_max_capacity = 1u << 24;
constexpr size_t k_min_table = 16;

// `value` cut to at most k_max_value_bytes, not inside a UTF-8 sequence.
std::string_view clipped(std::string_view value) {
  if (value.size() <= SpaceSaving::k_max_value_bytes)
    return value;
  size_t end = SpaceSaving::k_max_value_bytes;
  for (int back = 0; back < 3 && (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80; ++back) {
    --end;
  }
  return value.substr(0, end);
}

Error corrupt(const std::string& what) {
  return Error(ErrorKind::Corrupt, "SpaceSaving summary: " + what +
                                       " (the profile holding it is damaged or was written by "
                                       "another version of mlops: profile the data again)");
}

}  // namespace

SpaceSaving::SpaceSaving(uint32_t capacity)
    : m_capacity(std::max<uint32_t>(capacity, 1)), m_table(k_min_table, TableEntry{k_empty, 0}) {
  assert(capacity >= 1);
}

size_t SpaceSaving::probe(std::string_view value, uint64_t hash) const {
  const size_t mask = m_table.size() - 1;
  const auto tag = static_cast<uint32_t>(hash);
  size_t position = hash & mask;
  while (m_table[position].slot != k_empty) {
    if (m_table[position].tag == tag) {
      const Slot& slot = m_slots[m_table[position].slot];
      if (slot.hash == hash && slot.value == value)
        break;
    }
    position = (position + 1) & mask;
  }
  return position;
}

uint32_t SpaceSaving::find(std::string_view value) const {
  value = clipped(value);
  return m_table[probe(value, hash64(value))].slot;
}

void SpaceSaving::add(std::string_view value, uint64_t weight) {
  if (weight == 0)
    return;
  m_total += weight;
  value = clipped(value);
  const uint64_t hash = hash64(value);
  const uint32_t slot = m_table[probe(value, hash)].slot;
  if (slot != k_empty) {
    const uint32_t position = m_position[slot];
    m_heap[position].count += weight;
    sift_down(position);
  } else if (m_slots.size() < m_capacity) {
    insert_slot(value, hash, m_floor + weight, m_floor);
  } else {
    replace_smallest(value, hash, weight);
  }
}

void SpaceSaving::insert_slot(std::string_view value, uint64_t hash, uint64_t count,
                              uint64_t error) {
  if ((m_slots.size() + 1) * 2 > m_table.size())
    grow_table();
  const auto slot = static_cast<uint32_t>(m_slots.size());
  m_slots.push_back(Slot{std::string(value), hash, error});
  m_table[probe(value, hash)] = TableEntry{slot, static_cast<uint32_t>(hash)};
  m_position.push_back(slot);
  m_heap.push_back(HeapEntry{count, slot});
  sift_up(slot);
}

// The value takes over the slot with the smallest counter, and that counter (an upper bound of
// its own true count) becomes its error.
void SpaceSaving::replace_smallest(std::string_view value, uint64_t hash, uint64_t weight) {
  const uint32_t index = m_heap[0].slot;
  erase_from_table(index);
  Slot& slot = m_slots[index];
  slot.value.assign(value);
  slot.hash = hash;
  slot.error = std::max(m_heap[0].count, m_floor);
  m_heap[0].count = slot.error + weight;
  m_table[probe(value, hash)] = TableEntry{index, static_cast<uint32_t>(hash)};
  sift_down(0);
}

// Linear probing without tombstones: the entries after the erased one that would no longer be
// found from their home position move back into the hole. The home of an entry is the low bits
// of its tag.
void SpaceSaving::erase_from_table(uint32_t slot) {
  const size_t mask = m_table.size() - 1;
  size_t hole = probe(m_slots[slot].value, m_slots[slot].hash);
  assert(m_table[hole].slot == slot);
  size_t next = hole;
  while (true) {
    next = (next + 1) & mask;
    if (m_table[next].slot == k_empty)
      break;
    const size_t home = m_table[next].tag & mask;
    const bool reachable =
        hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (!reachable) {
      m_table[hole] = m_table[next];
      hole = next;
    }
  }
  m_table[hole].slot = k_empty;
}

void SpaceSaving::grow_table() {
  m_table.assign(m_table.size() * 2, TableEntry{k_empty, 0});
  for (uint32_t i = 0; i < m_slots.size(); ++i) {
    const uint64_t hash = m_slots[i].hash;
    m_table[probe(m_slots[i].value, hash)] = TableEntry{i, static_cast<uint32_t>(hash)};
  }
}

void SpaceSaving::place(uint32_t position, HeapEntry entry) {
  m_heap[position] = entry;
  m_position[entry.slot] = position;
}

// The heap is 4-ary (the children of i are 4i + 1 to 4i + 4, one cache line of entries): half
// as deep as a binary heap, which matters because a replaced value's counter, one above the
// smallest, sinks through every counter equal to the smallest. Both sifts carry the moving entry
// in a hole, writing each entry passed over once.
void SpaceSaving::sift_up(uint32_t position) {
  const HeapEntry moving = m_heap[position];
  while (position > 0) {
    const uint32_t parent = (position - 1) / 4;
    if (m_heap[parent].count <= moving.count)
      break;
    place(position, m_heap[parent]);
    position = parent;
  }
  place(position, moving);
}

void SpaceSaving::sift_down(uint32_t position) {
  const size_t size = m_heap.size();
  const HeapEntry moving = m_heap[position];
  while (true) {
    const size_t first = 4 * size_t{position} + 1;
    if (first >= size)
      break;
    const size_t end = std::min(first + 4, size);
    size_t child = first;
    for (size_t c = first + 1; c < end; ++c) {
      if (m_heap[c].count < m_heap[child].count)
        child = c;
    }
    if (m_heap[child].count >= moving.count)
      break;
    place(position, m_heap[child]);
    position = static_cast<uint32_t>(child);
  }
  place(position, moving);
}

uint64_t SpaceSaving::unmonitored_bound() const {
  if (m_slots.size() < m_capacity)
    return m_floor;
  return std::max(m_heap[0].count, m_floor);
}

std::vector<uint32_t> SpaceSaving::ordered_slots() const {
  std::vector<uint32_t> order(m_slots.size());
  for (uint32_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
    const uint64_t x = count_of(a), y = count_of(b);
    return x != y ? x > y : m_slots[a].value < m_slots[b].value;
  });
  return order;
}

std::vector<FrequentItem> SpaceSaving::top(size_t n) const {
  std::vector<uint32_t> order = ordered_slots();
  order.resize(std::min(n, order.size()));
  std::vector<FrequentItem> items;
  items.reserve(order.size());
  for (uint32_t index : order) {
    items.push_back(FrequentItem{m_slots[index].value, count_of(index), m_slots[index].error});
  }
  return items;
}

// Agarwal et al. 2012, with each side's bound for the values it does not monitor: a value's new
// count is the sum of its counts, taking a side's bound where that side does not monitor it (so
// it stays an upper bound); its lower bound is the sum of the lower bounds it has. The
// `capacity` largest counts are kept; the largest one dropped bounds what is not monitored. For
// two full summaries of capacity m, the m kept counts add up to at most the merged total, so
// every value above total / m is still monitored.
void SpaceSaving::merge(const SpaceSaving& other) {
  struct Candidate {
    const std::string* value;
    uint64_t upper;
    uint64_t lower;
  };
  const uint64_t bound = unmonitored_bound();
  const uint64_t other_bound = other.unmonitored_bound();
  std::vector<Candidate> candidates;
  candidates.reserve(m_slots.size() + other.m_slots.size());
  for (uint32_t mine = 0; mine < m_slots.size(); ++mine) {
    const Slot& slot = m_slots[mine];
    const uint32_t theirs = other.find(slot.value);
    const uint64_t count = count_of(mine);
    uint64_t upper = count + (theirs != k_empty ? other.count_of(theirs) : other_bound);
    uint64_t lower = count - slot.error;
    if (theirs != k_empty)
      lower += other.count_of(theirs) - other.m_slots[theirs].error;
    candidates.push_back({&slot.value, upper, lower});
  }
  for (uint32_t theirs = 0; theirs < other.m_slots.size(); ++theirs) {
    const Slot& slot = other.m_slots[theirs];
    if (find(slot.value) != k_empty)
      continue;
    const uint64_t count = other.count_of(theirs);
    candidates.push_back({&slot.value, count + bound, count - slot.error});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.upper != b.upper ? a.upper > b.upper : *a.value < *b.value;
  });
  SpaceSaving merged(m_capacity);
  merged.m_total = m_total + other.m_total;
  merged.m_floor = bound + other_bound;
  const size_t kept = std::min<size_t>(candidates.size(), m_capacity);
  if (kept < candidates.size())
    merged.m_floor = std::max(merged.m_floor, candidates[kept].upper);
  for (size_t i = 0; i < kept; ++i) {
    const Candidate& c = candidates[i];
    merged.insert_slot(*c.value, hash64(*c.value), c.upper, c.upper - c.lower);
  }
  *this = std::move(merged);
}

std::string SpaceSaving::serialize() const {
  ByteWriter writer;
  writer.u8(k_version);
  writer.u32(m_capacity);
  writer.u64(m_total);
  writer.u64(m_floor);
  writer.u32(static_cast<uint32_t>(m_slots.size()));
  for (const HeapEntry& entry : m_heap) {
    writer.text(m_slots[entry.slot].value);
    writer.u64(entry.count);
    writer.u64(m_slots[entry.slot].error);
  }
  return writer.take();
}

Result<SpaceSaving> SpaceSaving::deserialize(std::string_view bytes) {
  ByteReader reader(bytes);
  uint8_t version = 0;
  uint32_t capacity = 0, size = 0;
  uint64_t total = 0, floor = 0;
  if (!reader.u8(version))
    return corrupt("empty");
  if (version != k_version)
    return corrupt("unknown version " + std::to_string(version));
  if (!reader.u32(capacity) || !reader.u64(total) || !reader.u64(floor) || !reader.u32(size)) {
    return corrupt("truncated header");
  }
  if (capacity < 1 || capacity > k_max_capacity) {
    return corrupt("capacity " + std::to_string(capacity) + " is not in [1, 2^24]");
  }
  // Each value takes at least 20 bytes, so `size` cannot ask for more than the buffer holds.
  if (size > capacity || size > reader.remaining() / 20) {
    return corrupt(std::to_string(size) + " values is more than fit");
  }
  SpaceSaving summary(capacity);
  summary.m_total = total;
  summary.m_floor = floor;
  uint64_t lower_sum = 0;  // at most total
  for (uint32_t i = 0; i < size; ++i) {
    std::string value;
    uint64_t count = 0, error = 0;
    if (!reader.text(value) || !reader.u64(count) || !reader.u64(error)) {
      return corrupt("truncated at value " + std::to_string(i));
    }
    if (value.size() > k_max_value_bytes || count == 0 || error > count) {
      return corrupt("value " + std::to_string(i) + " is too long or its counts are impossible");
    }
    if (i > 0 && count < summary.m_heap[(i - 1) / 4].count)
      return corrupt("value " + std::to_string(i) + " is out of heap order");
    const uint64_t hash = hash64(value);
    if (summary.m_table[summary.probe(value, hash)].slot != k_empty) {
      return corrupt("value " + std::to_string(i) + " is repeated");
    }
    if (count - error > total - lower_sum)
      return corrupt("the counts add up to more than the total");
    lower_sum += count - error;
    summary.insert_slot(value, hash, count, error);
  }
  if (!reader.at_end())
    return corrupt("trailing bytes after the values");
  return summary;
}

}  // namespace mlops
