#include "data/kll.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mlops {
namespace {

constexpr size_t k_million = 1000000;

KllSketch sketch_of(const std::vector<double>& values, uint16_t k = KllSketch::k_default_k) {
  KllSketch sketch(k);
  for (double value : values)
    sketch.update(value);
  return sketch;
}

std::vector<double> generated(size_t n, uint64_t seed, const std::string& kind) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::normal_distribution<double> normal(0, 1);
  std::lognormal_distribution<double> lognormal(0, 2);
  std::vector<double> values(n);
  for (double& value : values) {
    if (kind == "normal") {
      value = normal(random);
    } else if (kind == "lognormal") {
      value = lognormal(random);
    } else if (kind == "few_distinct") {
      value = std::floor(uniform(random) * 10);
    } else {
      value = uniform(random);
    }
  }
  return values;
}

// The largest distance between the true normalized rank and the sketch's, over 0.1 %, 0.5 %,
// 1 %, 2 %, ..., 99 %, 99.5 %, 99.9 %: of rank(v) for the value v at each rank, and of the
// true rank (an interval when values repeat) of quantile(r).
struct RankErrors {
  double rank = 0;
  double quantile = 0;
};

RankErrors measured_errors(const KllSketch& sketch, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  auto fraction_below = [&](double v) {
    return static_cast<double>(std::lower_bound(values.begin(), values.end(), v) - values.begin()) /
           n;
  };
  auto fraction_at_or_below = [&](double v) {
    return static_cast<double>(std::upper_bound(values.begin(), values.end(), v) - values.begin()) /
           n;
  };
  std::vector<double> ranks = {0.001, 0.005, 0.995, 0.999};
  for (int i = 1; i < 100; ++i)
    ranks.push_back(i / 100.0);
  RankErrors errors;
  for (double r : ranks) {
    double v = values[std::min(values.size() - 1, static_cast<size_t>(r * n))];
    errors.rank = std::max(errors.rank, std::abs(sketch.rank(v) - fraction_at_or_below(v)));
    double q = sketch.quantile(r);
    double low = fraction_below(q), high = fraction_at_or_below(q);
    errors.quantile = std::max(errors.quantile, r < low ? low - r : (r > high ? r - high : 0.0));
  }
  return errors;
}

void expect_within_two_percent(const KllSketch& sketch, const std::vector<double>& values,
                               const std::string& name) {
  ASSERT_EQ(sketch.count(), values.size());
  EXPECT_EQ(sketch.min(), *std::min_element(values.begin(), values.end())) << name;
  EXPECT_EQ(sketch.max(), *std::max_element(values.begin(), values.end())) << name;
  uint64_t weight = 0;
  for (const auto& item : sketch.sorted_items())
    weight += item.second;
  EXPECT_EQ(weight, sketch.count()) << name;
  EXPECT_LT(sketch.retained(), 1000u) << name;
  RankErrors errors = measured_errors(sketch, values);
  testing::Test::RecordProperty(name + "_rank_error", std::to_string(errors.rank));
  testing::Test::RecordProperty(name + "_quantile_error", std::to_string(errors.quantile));
  EXPECT_LE(errors.rank, 0.02) << name;
  EXPECT_LE(errors.quantile, 0.02) << name;
}

TEST(KllTest, RankErrorWithinTwoPercentOnAMillionValues) {
  for (const char* kind : {"uniform", "normal", "lognormal", "few_distinct"}) {
    std::vector<double> values = generated(k_million, 2016 + std::string(kind).size(), kind);
    expect_within_two_percent(sketch_of(values), values, kind);
  }
}

TEST(KllTest, RankErrorWithinTwoPercentOnSortedInput) {
  std::vector<double> values = generated(k_million, 7, "lognormal");
  std::sort(values.begin(), values.end());
  expect_within_two_percent(sketch_of(values), values, "sorted");
  std::reverse(values.begin(), values.end());
  expect_within_two_percent(sketch_of(values), values, "reverse_sorted");
}

TEST(KllTest, SmallInputsAreExact) {
  std::vector<double> values(100);
  std::iota(values.begin(), values.end(), 1.0);
  std::shuffle(values.begin(), values.end(), std::mt19937_64(3));
  KllSketch sketch = sketch_of(values);
  EXPECT_EQ(sketch.retained(), 100u);
  EXPECT_EQ(sketch.quantile(0), 1);
  EXPECT_EQ(sketch.quantile(0.01), 1);
  EXPECT_EQ(sketch.quantile(0.5), 50);
  EXPECT_EQ(sketch.quantile(0.505), 51);
  EXPECT_EQ(sketch.quantile(1), 100);
  EXPECT_EQ(sketch.quantile(7), 100);  // clamped
  EXPECT_EQ(sketch.rank(50), 0.5);
  EXPECT_EQ(sketch.rank(0), 0);
  EXPECT_EQ(sketch.rank(1000), 1);
  auto items = sketch.sorted_items();
  ASSERT_EQ(items.size(), 100u);
  EXPECT_EQ(items.front(), std::make_pair(1.0, uint64_t{1}));
  EXPECT_EQ(items.back(), std::make_pair(100.0, uint64_t{1}));
}

// quantiles() sorts once and answers each rank as quantile() does, in any order of ranks.
TEST(KllTest, QuantilesOfSeveralRanksEqualEachQuantile) {
  std::mt19937_64 random(5);
  std::normal_distribution<double> normal(10, 3);
  std::vector<double> values(50000);
  for (double& v : values)
    v = normal(random);
  KllSketch sketch = sketch_of(values);
  std::vector<double> ranks = {0.9, -1, 0, 0.01, 0.5, 0.5, 0.999, 1, 2};
  std::vector<double> all = sketch.quantiles(ranks);
  ASSERT_EQ(all.size(), ranks.size());
  for (size_t i = 0; i < ranks.size(); ++i)
    EXPECT_EQ(all[i], sketch.quantile(ranks[i])) << ranks[i];
  EXPECT_EQ(all[1], sketch.min());
  EXPECT_EQ(all[7], sketch.max());
}

TEST(KllTest, NanIsIgnoredAndInfinitiesKept) {
  KllSketch sketch;
  EXPECT_EQ(sketch.rank(1), 0);
  sketch.update(std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(sketch.empty());
  sketch.update(1);
  sketch.update(std::numeric_limits<double>::infinity());
  sketch.update(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(sketch.count(), 3u);
  EXPECT_EQ(sketch.min(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(sketch.max(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(sketch.quantile(0.5), 1);
}

TEST(KllTest, MergedHalvesAreWithinTheErrorOfTheWhole) {
  std::vector<double> values = generated(k_million, 11, "normal");
  std::vector<double> first(values.begin(), values.begin() + 400000);
  std::vector<double> second(values.begin() + 400000, values.end());
  KllSketch merged = sketch_of(first);
  merged.merge(sketch_of(second));
  expect_within_two_percent(merged, values, "merged_halves");
  // The same data in 100 chunks, as a chunk-parallel profile merges it.
  KllSketch chunks;
  for (size_t start = 0; start < values.size(); start += 10000) {
    chunks.merge(
        sketch_of(std::vector<double>(values.begin() + start, values.begin() + start + 10000)));
  }
  expect_within_two_percent(chunks, values, "merged_chunks");
}

TEST(KllTest, MergesSketchesOfAnotherK) {
  std::vector<double> values = generated(k_million, 5, "uniform");
  std::vector<double> first(values.begin(), values.begin() + 500000);
  std::vector<double> second(values.begin() + 500000, values.end());
  KllSketch merged = sketch_of(first, 200);
  merged.merge(sketch_of(second, 400));
  EXPECT_EQ(merged.k(), 200);
  expect_within_two_percent(merged, values, "merged_other_k");
  KllSketch small = sketch_of(first, 8);
  small.merge(sketch_of(second));
  EXPECT_EQ(small.k(), 8);
  EXPECT_EQ(small.count(), values.size());
  EXPECT_EQ(small.min(), merged.min());
  EXPECT_EQ(small.max(), merged.max());
}

TEST(KllTest, MergingEmptyAndItself) {
  KllSketch empty;
  KllSketch sketch = sketch_of(generated(5000, 1, "uniform"));
  std::string before = sketch.serialize();
  sketch.merge(empty);
  EXPECT_EQ(sketch.serialize(), before);
  empty.merge(sketch);
  EXPECT_EQ(empty.count(), 5000u);
  EXPECT_EQ(empty.min(), sketch.min());
  sketch.merge(sketch);
  EXPECT_EQ(sketch.count(), 10000u);
  EXPECT_NEAR(sketch.quantile(0.5), 0.5, 0.03);
}

TEST(KllTest, SameInputSameBytes) {
  std::vector<double> values = generated(300000, 9, "normal");
  EXPECT_EQ(sketch_of(values).serialize(), sketch_of(values).serialize());
}

TEST(KllTest, RoundTripKeepsEverythingIncludingTheCoin) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{150}, size_t{100000}}) {
    std::vector<double> values = generated(n, 21, "lognormal");
    KllSketch sketch = sketch_of(values);
    std::string bytes = sketch.serialize();
    auto back = KllSketch::deserialize(bytes);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back->serialize(), bytes);
    EXPECT_EQ(back->count(), n);
    EXPECT_EQ(back->retained(), sketch.retained());
    if (n > 0) {
      EXPECT_EQ(back->quantile(0.3), sketch.quantile(0.3));
      EXPECT_EQ(back->min(), sketch.min());
    }
    // Continuing after the round trip gives what continuing without it gives.
    for (double value : generated(50000, 22, "uniform")) {
      sketch.update(value);
      back->update(value);
    }
    EXPECT_EQ(back->serialize(), sketch.serialize());
  }
}

void expect_corrupt(std::string_view bytes, const std::string& what) {
  auto back = KllSketch::deserialize(bytes);
  ASSERT_FALSE(back.ok()) << what;
  EXPECT_EQ(back.error().kind(), ErrorKind::Corrupt) << what;
}

TEST(KllTest, TruncatedBytesAreCorrupt) {
  for (size_t n : {size_t{0}, size_t{20}, size_t{5000}}) {
    std::string bytes = sketch_of(generated(n, 4, "normal")).serialize();
    for (size_t length = 0; length < bytes.size(); ++length) {
      expect_corrupt(std::string_view(bytes).substr(0, length), std::to_string(length));
    }
    expect_corrupt(bytes + '\0', "a trailing byte");
  }
}

// Every single flipped byte either fails cleanly or reads as a valid sketch that writes exactly
// those bytes back.
TEST(KllTest, FlippedBytesNeverCrash) {
  std::string bytes = sketch_of(generated(5000, 4, "normal")).serialize();
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char mask : {0x01, 0x40, 0x80, 0xff}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      auto back = KllSketch::deserialize(bad);
      if (back.ok()) {
        EXPECT_EQ(back->serialize(), bad) << i;
      } else {
        EXPECT_EQ(back.error().kind(), ErrorKind::Corrupt) << i;
      }
    }
  }
}

// Header: u8 version, u16 k, u64 count, u64 coin, u8 levels, then f64 min, f64 max (kll.cpp).
std::string header(uint8_t version, uint16_t k, uint64_t count, uint8_t levels, double min,
                   double max) {
  std::string bytes(1, static_cast<char>(version));
  auto put = [&bytes](uint64_t value, int width) {
    for (int i = 0; i < width; ++i)
      bytes.push_back(static_cast<char>(value >> (8 * i)));
  };
  auto put_double = [&put](double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, 8);
    put(bits, 8);
  };
  put(k, 2);
  put(count, 8);
  put(0, 8);
  bytes.push_back(static_cast<char>(levels));
  put_double(min);
  put_double(max);
  return bytes;
}

TEST(KllTest, ImpossibleHeadersAreCorrupt) {
  std::string huge_level =
      header(1, 200, uint64_t{1} << 40, 3, 0, 1) + std::string("\xff\xff\xff\xff");
  expect_corrupt(huge_level, "a level of 2^32 items");
  expect_corrupt(header(1, 65535, 100, 64, 0, 1) + std::string(64 * 4, '\xff'), "64 huge levels");
  expect_corrupt(header(2, 200, 0, 1, 0, 0) + std::string(4, '\0'), "version 2");
  expect_corrupt(header(1, 7, 0, 1, 0, 0) + std::string(4, '\0'), "k = 7");
  expect_corrupt(header(1, 200, 0, 0, 0, 0), "no levels");
  expect_corrupt(header(1, 200, 0, 65, 0, 0) + std::string(65 * 4, '\0'), "65 levels");
  expect_corrupt(header(1, 200, 1, 1, 2, 1) + std::string("\1\0\0\0", 4) + std::string(8, '\0'),
                 "min > max");
  expect_corrupt(
      header(1, 200, 1, 1, std::nan(""), 1) + std::string("\1\0\0\0", 4) + std::string(8, '\0'),
      "NaN min");
  expect_corrupt(header(1, 200, 2, 1, 0, 1) + std::string("\1\0\0\0", 4) + std::string(8, '\0'),
                 "count 2, one item");
  expect_corrupt(header(1, 200, 1, 1, 1, 2) + std::string("\1\0\0\0", 4) + std::string(8, '\0'),
                 "an item (0) below min");
  expect_corrupt(header(1, 200, 2, 2, 0, 1) + std::string("\2\0\0\0", 4) + std::string(16, '\0') +
                     std::string(4, '\0'),
                 "an empty top level");
  // The smallest sketch with two levels: one item of weight 2.
  auto valid = KllSketch::deserialize(header(1, 200, 2, 2, 0, 1) + std::string(4, '\0') +
                                      std::string("\1\0\0\0", 4) + std::string(8, '\0'));
  ASSERT_TRUE(valid.ok()) << valid.error().message();
  EXPECT_EQ(valid->count(), 2u);
  EXPECT_EQ(valid->quantile(0.5), 0);
}

TEST(KllTest, UnsortedUpperLevelIsCorrupt) {
  std::string bytes = sketch_of(generated(5000, 8, "uniform")).serialize();
  uint32_t level0 = 0;
  std::memcpy(&level0, bytes.data() + 36, 4);  // little-endian host
  size_t level1 = 36 + 4 + 8 * size_t{level0} + 4;
  ASSERT_LT(level1 + 16, bytes.size());
  std::string bad = bytes;
  std::swap_ranges(bad.begin() + level1, bad.begin() + level1 + 8, bad.begin() + level1 + 8);
  ASSERT_NE(bad, bytes);
  expect_corrupt(bad, "level 1 unsorted");
}

}  // namespace
}  // namespace mlops
