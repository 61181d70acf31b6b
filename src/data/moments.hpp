// Streaming moments of a numeric column: count, sum, min, max, mean and the central moments M2,
// M3, M4, updated one value at a time (Welford; Pébay 2008 for the higher moments) and merged
// pairwise (Chan et al.), so chunked and whole-file profiles agree to rounding.
//
// Conventions (docs/data-quality.md; pandas' describe() uses the same stddev):
// - stddev: sample standard deviation (n - 1 in the denominator); 0 for fewer than 2 values
// - skewness: population g1 = m3 / m2^1.5 (scipy.stats.skew with bias=True); 0 if m2 is 0
// - kurtosis: population excess g2 = m4 / m2^2 - 3 (scipy.stats.kurtosis with bias=True); 0 if
//   m2 is 0
// where m_k is the k-th central moment divided by n. Only finite values are added (the profiler
// counts NaN and infinities separately).
#pragma once

#include <cstdint>

namespace mlops {

struct Moments {
  uint64_t count = 0;
  double sum = 0;
  double min = 0;  // meaningful when count > 0
  double max = 0;
  double mean = 0;
  double m2 = 0;  // sums of powers of deviations from the mean
  double m3 = 0;
  double m4 = 0;

  void add(double value);
  void merge(const Moments& other);

  double variance() const;  // sample variance (n - 1)
  double stddev() const;
  double skewness() const;
  double kurtosis() const;  // excess
};

}  // namespace mlops
