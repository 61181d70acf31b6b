#include "data/hll.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "hash/digest.hpp"

namespace mlops {
namespace {

// `distinct` different values, each added `repeats` times.
HyperLogLog filled(uint64_t distinct, int repeats = 1, uint8_t precision = 12, uint64_t from = 0) {
  HyperLogLog sketch(precision);
  for (int r = 0; r < repeats; ++r) {
    for (uint64_t i = from; i < from + distinct; ++i)
      sketch.add("value-" + std::to_string(i));
  }
  return sketch;
}

double relative_error(const HyperLogLog& sketch, double truth) {
  return std::abs(sketch.estimate() - truth) / truth;
}

TEST(HyperLogLogTest, EmptyEstimatesZero) {
  EXPECT_EQ(HyperLogLog().estimate(), 0);
}

TEST(HyperLogLogTest, SmallCountsAreNearlyExact) {
  EXPECT_NEAR(filled(1).estimate(), 1, 0.01);
  EXPECT_NEAR(filled(1, 50).estimate(), 1, 0.01);
  EXPECT_LT(relative_error(filled(100), 100), 0.03);
}

TEST(HyperLogLogTest, WithinThreePercentAtTenToTheFive) {
  HyperLogLog sketch = filled(100000, 2);
  RecordProperty("relative_error_1e5", std::to_string(relative_error(sketch, 100000)));
  EXPECT_LT(relative_error(sketch, 100000), 0.03);
}

TEST(HyperLogLogTest, SaneAtAMillion) {
  HyperLogLog sketch = filled(1000000);
  RecordProperty("relative_error_1e6", std::to_string(relative_error(sketch, 1000000)));
  EXPECT_LT(relative_error(sketch, 1000000), 0.05);
}

// Around 2.5 m (10240 for p = 12), where the classic rule switches from linear counting to the
// raw estimate with a bias of about +2 %, the error stays small: 1.04 / sqrt(4096) = 1.6 % is
// one standard error.
TEST(HyperLogLogTest, AccurateAcrossTheSmallRange) {
  for (uint64_t n : {1000, 5000, 9000, 10000, 11000, 13000, 16000, 20000, 40000}) {
    EXPECT_LT(relative_error(filled(n, 1, 12, n * 7), static_cast<double>(n)), 0.05) << n;
  }
}

TEST(HyperLogLogTest, EveryPrecisionWorks) {
  for (uint8_t p : {4, 8, 14, 18}) {
    HyperLogLog sketch = filled(50000, 1, p);
    EXPECT_EQ(sketch.precision(), p);
    // Four standard errors.
    EXPECT_LT(relative_error(sketch, 50000), 4 * 1.04 / std::sqrt(std::ldexp(1.0, p))) << int{p};
  }
}

TEST(HyperLogLogTest, AddHashIsAddOfTheBytes) {
  HyperLogLog by_bytes, by_hash;
  for (int i = 0; i < 1000; ++i) {
    std::string value = std::to_string(i);
    by_bytes.add(value);
    by_hash.add_hash(hash64(value));
  }
  EXPECT_EQ(by_bytes.serialize(), by_hash.serialize());
}

TEST(HyperLogLogTest, MergedHalvesHaveTheRegistersOfTheWhole) {
  HyperLogLog whole = filled(60000);
  HyperLogLog left = filled(30000, 1, 12, 0);
  HyperLogLog right = filled(30000, 1, 12, 30000);
  ASSERT_TRUE(left.merge(right).ok());
  EXPECT_EQ(left.serialize(), whole.serialize());
  EXPECT_EQ(left.estimate(), whole.estimate());
}

TEST(HyperLogLogTest, MergingDifferentPrecisionsIsAUsageError) {
  HyperLogLog a(12), b(14);
  Status merged = a.merge(b);
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.error().kind(), ErrorKind::Usage);
  EXPECT_EQ(merged.error().message(),
            "cannot merge HyperLogLog sketches of precision 12 and 14: profile both with the "
            "same precision");
}

TEST(HyperLogLogTest, RoundTripsDenseAndSparse) {
  for (uint64_t n : {0, 1, 10, 300, 100000}) {
    HyperLogLog sketch = filled(n);
    std::string bytes = sketch.serialize();
    auto back = HyperLogLog::deserialize(bytes);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back->serialize(), bytes);
    EXPECT_EQ(back->estimate(), sketch.estimate());
    EXPECT_EQ(back->precision(), 12);
  }
  // Few values are written sparse: much smaller than the 4 KiB of registers.
  EXPECT_LT(filled(10).serialize().size(), 100u);
  EXPECT_EQ(filled(100000).serialize().size(), 3u + 4096u);
}

void expect_corrupt(std::string_view bytes, const std::string& what) {
  auto back = HyperLogLog::deserialize(bytes);
  ASSERT_FALSE(back.ok()) << what;
  EXPECT_EQ(back.error().kind(), ErrorKind::Corrupt) << what;
}

TEST(HyperLogLogTest, TruncatedBytesAreCorrupt) {
  for (uint64_t n : {10, 100000}) {
    std::string bytes = filled(n).serialize();
    for (size_t length = 0; length < bytes.size(); ++length) {
      expect_corrupt(std::string_view(bytes).substr(0, length), std::to_string(length));
    }
    expect_corrupt(bytes + '\0', "a trailing byte");
  }
}

TEST(HyperLogLogTest, ImpossibleHeadersAndRegistersAreCorrupt) {
  std::string dense = filled(100000).serialize();
  std::string bad = dense;
  bad[0] = 2;  // version
  expect_corrupt(bad, "version");
  for (char precision : {0, 3, 19, 255}) {
    bad = dense;
    bad[1] = precision;
    expect_corrupt(bad, "precision");
  }
  bad = dense;
  bad[2] = 7;  // form
  expect_corrupt(bad, "form");
  bad = dense;
  bad[3 + 100] = 64 - 12 + 2;  // one more than a 64-bit hash can give
  expect_corrupt(bad, "register");
  // Sparse: the count says more than 2^p, then an index out of range, then one out of order.
  std::string sparse = filled(3).serialize();
  bad = sparse;
  bad[3] = '\xff';
  bad[4] = '\xff';
  expect_corrupt(bad, "sparse count");
  bad = sparse;
  bad[3 + 4 + 2] = 1;  // the first index + 65536
  expect_corrupt(bad, "sparse index");
  bad = sparse;
  std::swap_ranges(bad.begin() + 7, bad.begin() + 12, bad.begin() + 12);  // two entries swapped
  expect_corrupt(bad, "sparse order");
}

// Every single flipped byte either fails cleanly or reads as some valid sketch.
TEST(HyperLogLogTest, FlippedBytesNeverCrash) {
  for (uint64_t n : {5, 100000}) {
    std::string bytes = filled(n).serialize();
    for (size_t i = 0; i < bytes.size(); i += (i < 64 ? 1 : 37)) {
      for (unsigned char mask : {0x01, 0x80, 0xff}) {
        std::string bad = bytes;
        bad[i] = static_cast<char>(bad[i] ^ mask);
        auto back = HyperLogLog::deserialize(bad);
        if (back.ok()) {
          EXPECT_EQ(back->serialize().size() > 0, true);
        } else {
          EXPECT_EQ(back.error().kind(), ErrorKind::Corrupt);
        }
      }
    }
  }
}

}  // namespace
}  // namespace mlops
