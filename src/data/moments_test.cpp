#include "data/moments.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace mlops {
namespace {

Moments of(const std::vector<double>& values) {
  Moments moments;
  for (double value : values)
    moments.add(value);
  return moments;
}

void expect_relative(double actual, double expected, double tolerance) {
  EXPECT_NEAR(actual, expected, tolerance * std::max(1.0, std::abs(expected)));
}

// The expected values are numpy's mean, std(ddof=1), var(ddof=1) and scipy.stats' skew and
// kurtosis with bias=True (Debian's python3-scipy 1.10.1) on the same array.
TEST(MomentsTest, MatchesScipyOnAFixedArray) {
  Moments m = of({2.5, -1.0, 3.75, 0.5, 10.0, 4.25, -3.5, 7.0, 2.0, 1.25});
  EXPECT_EQ(m.count, 10u);
  EXPECT_DOUBLE_EQ(m.sum, 26.75);
  EXPECT_EQ(m.min, -3.5);
  EXPECT_EQ(m.max, 10.0);
  expect_relative(m.mean, 2.675, 1e-12);
  expect_relative(m.variance(), 14.986805555555552, 1e-12);
  expect_relative(m.stddev(), 3.871279576000105, 1e-12);
  expect_relative(m.skewness(), 0.364362179406176, 1e-12);
  expect_relative(m.kurtosis(), -0.30699403265852165, 1e-12);
}

// A large offset ruins the textbook sum-of-squares formulas (x² is about 1e18, whose ulp is 128);
// the centred updates keep the moments of {1, 2, 4, 8, 16}, shifted by 1e9, to about 1e-8: the
// mean itself is only known to an ulp of 1e9 (1.2e-7). Expected: numpy and scipy on the
// unshifted values.
TEST(MomentsTest, StaysAccurateFarFromZero) {
  Moments m = of({1e9 + 1, 1e9 + 2, 1e9 + 4, 1e9 + 8, 1e9 + 16});
  expect_relative(m.mean, 1000000006.2, 1e-15);
  expect_relative(m.stddev(), 6.099180272790763, 1e-7);
  expect_relative(m.skewness(), 0.8890481348169542, 1e-7);
  expect_relative(m.kurtosis(), -0.6740591397849474, 1e-7);
}

TEST(MomentsTest, DegenerateInputsGiveZeros) {
  Moments empty;
  EXPECT_EQ(empty.variance(), 0);
  EXPECT_EQ(empty.stddev(), 0);
  EXPECT_EQ(empty.skewness(), 0);
  EXPECT_EQ(empty.kurtosis(), 0);
  Moments one = of({42});
  EXPECT_EQ(one.count, 1u);
  EXPECT_EQ(one.mean, 42);
  EXPECT_EQ(one.min, 42);
  EXPECT_EQ(one.max, 42);
  EXPECT_EQ(one.stddev(), 0);
  Moments constant = of({7, 7, 7, 7});
  EXPECT_EQ(constant.stddev(), 0);
  EXPECT_EQ(constant.skewness(), 0);
  EXPECT_EQ(constant.kurtosis(), 0);
}

TEST(MomentsTest, MergedHalvesEqualTheWhole) {
  std::mt19937_64 random(13);
  std::lognormal_distribution<double> skewed(1.0, 0.75);
  std::vector<double> values(100000);
  for (double& value : values)
    value = skewed(random) - 2;
  Moments whole = of(values);
  // Uneven parts, so that the n_a != n_b terms of the merge matter.
  for (size_t split : {size_t{1}, size_t{1000}, size_t{50000}, size_t{99999}}) {
    Moments left = of(std::vector<double>(values.begin(), values.begin() + split));
    Moments right = of(std::vector<double>(values.begin() + split, values.end()));
    left.merge(right);
    EXPECT_EQ(left.count, whole.count);
    EXPECT_EQ(left.min, whole.min);
    EXPECT_EQ(left.max, whole.max);
    expect_relative(left.sum, whole.sum, 1e-9);
    expect_relative(left.mean, whole.mean, 1e-9);
    expect_relative(left.stddev(), whole.stddev(), 1e-9);
    expect_relative(left.skewness(), whole.skewness(), 1e-9);
    expect_relative(left.kurtosis(), whole.kurtosis(), 1e-9);
  }
}

TEST(MomentsTest, MergingManyChunksEqualsTheWhole) {
  std::mt19937_64 random(7);
  std::normal_distribution<double> normal(5.0, 3.0);
  Moments whole, merged, chunk;
  for (int i = 0; i < 100000; ++i) {
    double value = normal(random);
    whole.add(value);
    chunk.add(value);
    if (i % 977 == 976) {
      merged.merge(chunk);
      chunk = Moments();
    }
  }
  merged.merge(chunk);
  EXPECT_EQ(merged.count, whole.count);
  expect_relative(merged.mean, whole.mean, 1e-9);
  expect_relative(merged.stddev(), whole.stddev(), 1e-9);
  expect_relative(merged.skewness(), whole.skewness(), 1e-9);
  expect_relative(merged.kurtosis(), whole.kurtosis(), 1e-9);
}

TEST(MomentsTest, MergingWithEmptyKeepsTheOther) {
  Moments values = of({1, 2, 3});
  Moments empty;
  Moments left = values;
  left.merge(empty);
  EXPECT_EQ(left.count, 3u);
  EXPECT_EQ(left.mean, 2);
  empty.merge(values);
  EXPECT_EQ(empty.count, 3u);
  EXPECT_EQ(empty.min, 1);
  EXPECT_EQ(empty.max, 3);
  EXPECT_EQ(empty.m2, values.m2);
}

}  // namespace
}  // namespace mlops
