#include "data/space_saving.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mlops {
namespace {

// `n` draws from a Zipf distribution (exponent `s`) over `distinct` values "v<rank>".
std::vector<std::string> zipf_stream(size_t n, size_t distinct, double s, uint64_t seed) {
  std::vector<double> cumulative(distinct);
  double sum = 0;
  for (size_t rank = 0; rank < distinct; ++rank) {
    sum += 1 / std::pow(static_cast<double>(rank + 1), s);
    cumulative[rank] = sum;
  }
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(0, sum);
  std::vector<std::string> stream(n);
  for (std::string& value : stream) {
    size_t rank = std::lower_bound(cumulative.begin(), cumulative.end(), uniform(random)) -
                  cumulative.begin();
    value = "v" + std::to_string(std::min(rank, distinct - 1));
  }
  return stream;
}

std::map<std::string, uint64_t> true_counts(const std::vector<std::string>& stream) {
  std::map<std::string, uint64_t> counts;
  for (const std::string& value : stream)
    ++counts[value];
  return counts;
}

SpaceSaving summary_of(const std::vector<std::string>& stream, uint32_t capacity) {
  SpaceSaving summary(capacity);
  for (const std::string& value : stream)
    summary.add(value);
  return summary;
}

// Every value above total / capacity is reported, and count - error <= true <= count for every
// value reported.
void expect_guarantees(const SpaceSaving& summary, const std::map<std::string, uint64_t>& truth,
                       uint32_t capacity) {
  std::vector<FrequentItem> top = summary.top(capacity);
  std::map<std::string, const FrequentItem*> reported;
  for (const FrequentItem& item : top)
    reported[item.value] = &item;
  uint64_t total = 0;
  for (const auto& [value, count] : truth)
    total += count;
  ASSERT_EQ(summary.total(), total);
  size_t heavy = 0;
  for (const auto& [value, count] : truth) {
    if (count * capacity > total) {
      ++heavy;
      EXPECT_TRUE(reported.count(value)) << value << " (" << count << " of " << total << ")";
    }
  }
  EXPECT_GE(heavy, 3u);  // the stream has heavy hitters to find
  for (const FrequentItem& item : top) {
    uint64_t count = truth.count(item.value) ? truth.at(item.value) : 0;
    EXPECT_LE(item.count - item.error, count) << item.value;
    EXPECT_GE(item.count, count) << item.value;
  }
}

TEST(SpaceSavingTest, ExactWhileThereAreFreeSlots) {
  SpaceSaving summary(10);
  for (const char* value : {"b", "a", "c", "a", "b", "a"})
    summary.add(value);
  summary.add("d", 5);
  summary.add("e", 0);  // no weight: nothing
  auto top = summary.top(10);
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].value, "d");
  EXPECT_EQ(top[0].count, 5u);
  EXPECT_EQ(top[1].value, "a");
  EXPECT_EQ(top[1].count, 3u);
  // Equal counts: by value.
  EXPECT_EQ(top[2].value, "b");
  EXPECT_EQ(top[3].value, "c");
  for (const auto& item : top)
    EXPECT_EQ(item.error, 0u);
  EXPECT_EQ(summary.total(), 11u);
  EXPECT_EQ(summary.top(2).size(), 2u);
}

TEST(SpaceSavingTest, ReplacesTheSmallestCounter) {
  SpaceSaving summary(2);
  summary.add("a", 3);
  summary.add("b", 1);
  summary.add("c");  // takes b's slot: count 2, error 1
  auto top = summary.top(5);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].value, "a");
  EXPECT_EQ(top[1].value, "c");
  EXPECT_EQ(top[1].count, 2u);
  EXPECT_EQ(top[1].error, 1u);
}

TEST(SpaceSavingTest, ZipfHeavyHittersAreFoundWithinTheirBounds) {
  for (double s : {0.8, 1.1, 1.5}) {
    std::vector<std::string> stream = zipf_stream(200000, 20000, s, 1);
    expect_guarantees(summary_of(stream, 100), true_counts(stream), 100);
  }
}

TEST(SpaceSavingTest, MergedHalvesKeepTheGuarantees) {
  std::vector<std::string> stream = zipf_stream(200000, 20000, 1.1, 2);
  auto truth = true_counts(stream);
  std::vector<std::string> first(stream.begin(), stream.begin() + 70000);
  std::vector<std::string> second(stream.begin() + 70000, stream.end());
  SpaceSaving merged = summary_of(first, 100);
  merged.merge(summary_of(second, 100));
  expect_guarantees(merged, truth, 100);
  // And adding after a merge keeps them too.
  std::vector<std::string> more = zipf_stream(50000, 20000, 1.1, 3);
  for (const std::string& value : more) {
    merged.add(value);
    ++truth[value];
  }
  expect_guarantees(merged, truth, 100);
}

// With another capacity the bounds still hold (the heavy-hitter guarantee is the smaller one's).
TEST(SpaceSavingTest, MergingAnotherCapacityKeepsTheBounds) {
  std::vector<std::string> stream = zipf_stream(100000, 5000, 1.0, 4);
  auto truth = true_counts(stream);
  std::vector<std::string> first(stream.begin(), stream.begin() + 50000);
  std::vector<std::string> second(stream.begin() + 50000, stream.end());
  SpaceSaving merged = summary_of(first, 500);
  merged.merge(summary_of(second, 20));
  for (const std::string& value : zipf_stream(20000, 5000, 1.0, 5)) {
    merged.add(value);
    ++truth[value];
  }
  for (const FrequentItem& item : merged.top(500)) {
    uint64_t count = truth.count(item.value) ? truth.at(item.value) : 0;
    EXPECT_LE(item.count - item.error, count) << item.value;
    EXPECT_GE(item.count, count) << item.value;
  }
}

TEST(SpaceSavingTest, MergingEmptyAndItself) {
  SpaceSaving summary = summary_of({"a", "b", "a"}, 4);
  summary.merge(SpaceSaving(4));
  EXPECT_EQ(summary.top(1)[0].count, 2u);
  summary.merge(summary);
  EXPECT_EQ(summary.total(), 6u);
  EXPECT_EQ(summary.top(1)[0].count, 4u);
  EXPECT_EQ(summary.top(2)[1].count, 2u);
}

TEST(SpaceSavingTest, LongValuesAreCutAtACharacterBoundary) {
  SpaceSaving summary(4);
  std::string ascii(3000, 'x');
  summary.add(ascii);
  summary.add(ascii + "y");  // the same first 1024 bytes
  std::string accents = "x";
  for (int i = 0; i < 600; ++i)
    accents += "é";  // two bytes each, so byte 1024 is inside one
  summary.add(accents);
  auto top = summary.top(4);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].value, std::string(SpaceSaving::k_max_value_bytes, 'x'));
  EXPECT_EQ(top[0].count, 2u);
  EXPECT_EQ(top[1].value.size(), SpaceSaving::k_max_value_bytes - 1);
  EXPECT_EQ(top[1].value, accents.substr(0, SpaceSaving::k_max_value_bytes - 1));
}

TEST(SpaceSavingTest, SameInputSameBytes) {
  std::vector<std::string> stream = zipf_stream(20000, 3000, 1.1, 6);
  EXPECT_EQ(summary_of(stream, 100).serialize(), summary_of(stream, 100).serialize());
}

TEST(SpaceSavingTest, RoundTripKeepsEverything) {
  std::vector<std::string> stream = zipf_stream(50000, 5000, 1.1, 7);
  SpaceSaving summary = summary_of(stream, 64);
  std::string bytes = summary.serialize();
  auto back = SpaceSaving::deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->serialize(), bytes);
  EXPECT_EQ(back->capacity(), 64u);
  EXPECT_EQ(back->total(), summary.total());
  // It goes on as the original does.
  for (const std::string& value : zipf_stream(5000, 5000, 1.1, 8)) {
    summary.add(value);
    back->add(value);
  }
  auto expected = summary.top(64);
  auto actual = back->top(64);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].value, expected[i].value);
    EXPECT_EQ(actual[i].count, expected[i].count);
  }
  auto empty = SpaceSaving::deserialize(SpaceSaving(3).serialize());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->capacity(), 3u);
}

void expect_corrupt(std::string_view bytes, const std::string& what) {
  auto back = SpaceSaving::deserialize(bytes);
  ASSERT_FALSE(back.ok()) << what;
  EXPECT_EQ(back.error().kind(), ErrorKind::Corrupt) << what;
}

TEST(SpaceSavingTest, TruncatedBytesAreCorrupt) {
  std::string bytes = summary_of(zipf_stream(2000, 500, 1.1, 9), 30).serialize();
  for (size_t length = 0; length < bytes.size(); ++length) {
    expect_corrupt(std::string_view(bytes).substr(0, length), std::to_string(length));
  }
  expect_corrupt(bytes + '\0', "a trailing byte");
}

TEST(SpaceSavingTest, FlippedBytesNeverCrash) {
  std::string bytes = summary_of(zipf_stream(2000, 500, 1.1, 10), 30).serialize();
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      auto back = SpaceSaving::deserialize(bad);
      if (back.ok()) {
        EXPECT_EQ(back->serialize(), bad) << i;
      } else {
        EXPECT_EQ(back.error().kind(), ErrorKind::Corrupt) << i;
      }
    }
  }
}

// Header: u8 version, u32 capacity, u64 total, u64 floor, u32 n (space_saving.cpp).
std::string header(uint32_t capacity, uint64_t total, uint32_t n) {
  std::string bytes(1, '\1');
  auto put = [&bytes](uint64_t value, int width) {
    for (int i = 0; i < width; ++i)
      bytes.push_back(static_cast<char>(value >> (8 * i)));
  };
  put(capacity, 4);
  put(total, 8);
  put(0, 8);
  put(n, 4);
  return bytes;
}

std::string entry(const std::string& value, uint64_t count, uint64_t error) {
  std::string bytes;
  auto put = [&bytes](uint64_t v, int width) {
    for (int i = 0; i < width; ++i)
      bytes.push_back(static_cast<char>(v >> (8 * i)));
  };
  put(value.size(), 4);
  bytes += value;
  put(count, 8);
  put(error, 8);
  return bytes;
}

TEST(SpaceSavingTest, ImpossibleContentsAreCorrupt) {
  expect_corrupt(header(0, 0, 0), "capacity 0");
  expect_corrupt(header(UINT32_MAX, 0, 0), "capacity 2^32 - 1");
  expect_corrupt(header(1000, 10, 4000000000u), "four billion values");
  expect_corrupt(header(1, 10, 2) + entry("a", 4, 0) + entry("b", 5, 0), "more than capacity");
  expect_corrupt(header(5, 10, 2) + entry("a", 4, 0) + entry("a", 5, 0), "a repeated value");
  expect_corrupt(header(5, 10, 2) + entry("a", 5, 0) + entry("b", 4, 0), "out of heap order");
  expect_corrupt(header(5, 10, 1) + entry("a", 5, 6), "error above count");
  expect_corrupt(header(5, 10, 1) + entry("a", 0, 0), "count 0");
  expect_corrupt(header(5, 10, 2) + entry("b", 5, 0) + entry("a", 7, 0), "more than total");
  expect_corrupt(header(5, 10, 1) + entry(std::string(2000, 'x'), 5, 0), "a value too long");
  std::string huge = header(5, 10, 1);
  huge += std::string("\xff\xff\xff\x7f", 4);  // a length of 2 GiB with nothing behind it
  expect_corrupt(huge, "a value length beyond the buffer");
  auto valid = SpaceSaving::deserialize(header(5, 10, 2) + entry("a", 4, 1) + entry("b", 5, 0));
  ASSERT_TRUE(valid.ok()) << valid.error().message();
  EXPECT_EQ(valid->top(1)[0].value, "b");
}

}  // namespace
}  // namespace mlops
