#include "data/moments.hpp"

#include <cmath>

namespace mlops {

// One value (Pébay 2008, eq. 2.1-2.3 with n_B = 1): the updates of M4 and M3 use the old M2 and
// M3, so they come first.
void Moments::add(double value) {
  if (count == 0) {
    min = value;
    max = value;
  } else {
    if (value < min)
      min = value;
    if (value > max)
      max = value;
  }
  const double n1 = static_cast<double>(count);
  ++count;
  const double n = static_cast<double>(count);
  const double delta = value - mean;
  const double delta_n = delta / n;
  const double delta_n2 = delta_n * delta_n;
  const double term1 = delta * delta_n * n1;
  mean += delta_n;
  m4 += term1 * delta_n2 * (n * n - 3 * n + 3) + 6 * delta_n2 * m2 - 4 * delta_n * m3;
  m3 += term1 * delta_n * (n - 2) - 3 * delta_n * m2;
  m2 += term1;
  sum += value;
}

// Two sets of moments (Chan et al. 1979 for M2; Pébay 2008, eq. 3.1 for M3 and M4).
void Moments::merge(const Moments& other) {
  if (other.count == 0)
    return;
  if (count == 0) {
    *this = other;
    return;
  }
  const double na = static_cast<double>(count);
  const double nb = static_cast<double>(other.count);
  const double n = na + nb;
  const double delta = other.mean - mean;
  const double delta2 = delta * delta;
  const double delta3 = delta2 * delta;
  const double delta4 = delta2 * delta2;
  const double new_m4 = m4 + other.m4 +
                        delta4 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                        6 * delta2 * (na * na * other.m2 + nb * nb * m2) / (n * n) +
                        4 * delta * (na * other.m3 - nb * m3) / n;
  const double new_m3 = m3 + other.m3 + delta3 * na * nb * (na - nb) / (n * n) +
                        3 * delta * (na * other.m2 - nb * m2) / n;
  const double new_m2 = m2 + other.m2 + delta2 * na * nb / n;
  mean += delta * nb / n;
  m2 = new_m2;
  m3 = new_m3;
  m4 = new_m4;
  count += other.count;
  sum += other.sum;
  if (other.min < min)
    min = other.min;
  if (other.max > max)
    max = other.max;
}

double Moments::variance() const {
  if (count < 2)
    return 0;
  return m2 / static_cast<double>(count - 1);
}

double Moments::stddev() const {
  return std::sqrt(variance());
}

double Moments::skewness() const {
  if (count == 0 || m2 <= 0)
    return 0;
  const double n = static_cast<double>(count);
  return std::sqrt(n) * m3 / std::pow(m2, 1.5);
}

double Moments::kurtosis() const {
  if (count == 0 || m2 <= 0)
    return 0;
  const double n = static_cast<double>(count);
  return n * m4 / (m2 * m2) - 3;
}

}  // namespace mlops
