#include "data/drift.hpp"

#include <gtest/gtest.h>

#include "data/data_test_util.hpp"

#include <cmath>
#include <random>
#include <string>

namespace mlops {
namespace {

using testing::NoSource;

DatasetProfile profile_of(const std::vector<std::string>& values, const std::string& column = "x") {
  Profiler profiler{ProfileOptions{}};
  std::vector<std::string> columns = {column};
  Record r;
  r.fields.resize(1);
  for (const std::string& v : values) {
    r.fields[0] = FieldView{.text = v};
    profiler.add(r, columns);
  }
  return profiler.finish(NoSource(columns), column, "csv");
}

std::vector<std::string> texts(const std::vector<double>& values) {
  std::vector<std::string> out;
  for (double v : values)
    out.push_back(std::to_string(v));
  return out;
}

TEST(DriftTest, PsiKnownAnswerWithEpsilonForEmptyBins) {
  // (0.9-0.5) ln(0.9/0.5) + (0.1-0.5) ln(0.1/0.5)
  EXPECT_NEAR(population_stability_index({0.5, 0.5}, {0.9, 0.1}, 1e-4), 0.878890, 1e-6);
  EXPECT_DOUBLE_EQ(population_stability_index({0.5, 0.5}, {0.5, 0.5}, 1e-4), 0.0);
  // An empty bin is finite: (1e-4 - 0.5) ln(1e-4 / 0.5) + (1 - 0.5) ln(1 / 0.5)
  double expected = (1e-4 - 0.5) * std::log(1e-4 / 0.5) + 0.5 * std::log(2.0);
  EXPECT_NEAR(population_stability_index({0.5, 0.5}, {0.0, 1.0}, 1e-4), expected, 1e-12);
}

TEST(DriftTest, JensenShannonMatchesScipy) {
  // scipy.spatial.distance.jensenshannon([.1,.2,.3,.4], [.25]*4): 0.16692996572597965 (nats);
  // jensenshannon(..., base=2)**2: 0.04020158234614192.
  std::vector<double> p = {0.1, 0.2, 0.3, 0.4};
  std::vector<double> q = {0.25, 0.25, 0.25, 0.25};
  double bits = js_divergence_bits(p, q);
  EXPECT_NEAR(bits, 0.04020158234614192, 1e-12);
  EXPECT_NEAR(std::sqrt(bits * std::log(2.0)), 0.16692996572597965, 1e-12);
  EXPECT_DOUBLE_EQ(js_divergence_bits({1, 0}, {0, 1}), 1.0);
}

TEST(DriftTest, KsAndWassersteinMatchScipyWhileSketchesAreExact) {
  // Golden values from /usr/bin/python3 with scipy 1.10.1 on the same numbers:
  // ks_2samp(ref, cur).statistic = 0.11, wasserstein_distance(ref, cur) = 0.7562222222222224,
  // np.std(ref) = 2.9266369778296726.
  std::vector<double> ref, cur;
  for (int i = 0; i < 100; ++i) {
    ref.push_back((i * 37 % 101) / 10.0);
    cur.push_back((i * 53 % 97) / 9.0 + 0.5);
  }
  DatasetProfile r = profile_of(texts(ref));
  DatasetProfile c = profile_of(texts(cur));
  ColumnDrift d = compare_columns(r.columns[0], r.rows, c.columns[0], c.rows, 1e-4);
  ASSERT_TRUE(d.numeric);
  EXPECT_NEAR(*d.ks_d, 0.11, 1e-9);
  // std::to_string rounds to 6 decimals, so compare to that precision.
  EXPECT_NEAR(*d.wasserstein_norm, 0.7562222222222224 / 2.9266369778296726, 1e-5);
  EXPECT_NEAR(*d.ks_d_robust, std::max(0.0, 0.11 - 1.8 * std::sqrt(200.0 / 10000.0)), 1e-9);
}

TEST(DriftTest, SameDistributionDoesNotDriftAndShiftedDoes) {
  std::mt19937_64 random(11);
  std::normal_distribution<double> base(100, 15), shifted(110, 15);
  std::vector<double> a, b, s;
  for (int i = 0; i < 50000; ++i) {
    a.push_back(base(random));
    b.push_back(base(random));
    s.push_back(shifted(random));
  }
  DatasetProfile pa = profile_of(texts(a)), pb = profile_of(texts(b)), ps = profile_of(texts(s));
  DriftPolicy policy;
  DriftReport same = compute_drift(pa, pb, policy);
  ASSERT_EQ(same.columns.size(), 1u);
  EXPECT_LT(same.columns[0].psi, 0.02);  // the noise floor of two sketches
  EXPECT_LT(*same.columns[0].ks_d, 0.03);
  EXPECT_EQ(same.columns[0].status, DriftStatus::Ok);
  EXPECT_FALSE(same.dataset_drift);
  DriftReport moved = compute_drift(pa, ps, policy);
  EXPECT_GT(moved.columns[0].psi, 0.25);  // a 2/3-sigma shift
  EXPECT_NEAR(*moved.columns[0].mean_delta_sigmas, 10.0 / 15.0, 0.03);
  EXPECT_NEAR(*moved.columns[0].wasserstein_norm, 10.0 / 15.0, 0.03);
  EXPECT_EQ(moved.columns[0].status, DriftStatus::Drift);
  EXPECT_TRUE(moved.dataset_drift);
}

TEST(DriftTest, CategoricalLinfNamesTheValue) {
  std::vector<std::string> ref, cur;
  for (int i = 0; i < 2000; ++i) {
    ref.push_back(i % 2 ? "SE" : "NO");
    cur.push_back(i % 4 ? "SE" : (i % 8 ? "NO" : "DK"));
  }
  DriftReport report = compute_drift(profile_of(ref), profile_of(cur), DriftPolicy{});
  const ColumnDrift& d = report.columns[0];
  EXPECT_FALSE(d.numeric);
  EXPECT_FALSE(d.ks_d.has_value());
  EXPECT_NEAR(d.linf, 0.375, 1e-9);  // NO: 0.5 -> 0.125
  EXPECT_EQ(d.linf_value, "NO");
  EXPECT_EQ(d.bins, (std::vector<std::string>{"DK", "NO", "SE"}));
}

TEST(DriftTest, TooFewRowsIsInsufficientNotDrift) {
  std::vector<double> a(500, 1.0), b(500, 9.0);
  DriftReport report = compute_drift(profile_of(texts(a)), profile_of(texts(b)), DriftPolicy{});
  EXPECT_EQ(report.columns[0].status, DriftStatus::Insufficient);
  EXPECT_EQ(report.evaluated, 0u);
  EXPECT_FALSE(report.dataset_drift);
}

TEST(DriftTest, CriticalColumnAloneMakesTheDatasetDrift) {
  std::vector<std::string> columns = {"a", "b", "c"};
  auto build = [&](double shift) {
    Profiler profiler{ProfileOptions{}};
    std::mt19937_64 random(3);
    std::normal_distribution<double> normal(0, 1);
    Record r;
    r.fields.resize(3);
    std::string texts[3];
    for (int i = 0; i < 5000; ++i) {
      texts[0] = std::to_string(normal(random));
      texts[1] = std::to_string(normal(random));
      texts[2] = std::to_string(normal(random) + shift);
      for (int j = 0; j < 3; ++j)
        r.fields[j] = FieldView{.text = texts[j]};
      profiler.add(r, columns);
    }
    return profiler.finish(NoSource(columns), "x", "csv");
  };
  DatasetProfile ref = build(0), cur = build(2);
  DriftPolicy policy;
  DriftReport plain = compute_drift(ref, cur, policy);
  EXPECT_EQ(plain.drifted, 1u);
  EXPECT_FALSE(plain.dataset_drift);  // 1 of 3 < 0.5
  policy.columns["c"].critical = true;
  DriftReport critical = compute_drift(ref, cur, policy);
  EXPECT_TRUE(critical.critical_drift);
  EXPECT_TRUE(critical.dataset_drift);
  policy.columns["c"].ignore = true;
  EXPECT_EQ(compute_drift(ref, cur, policy).columns[2].status, DriftStatus::Ignored);
}

TEST(DriftTest, MissingAndNewColumnsAreListed) {
  DatasetProfile ref = profile_of({"1", "2"}, "old");
  DatasetProfile cur = profile_of({"1", "2"}, "new");
  DriftReport report = compute_drift(ref, cur, DriftPolicy{});
  EXPECT_EQ(report.missing_columns, std::vector<std::string>{"old"});
  EXPECT_EQ(report.new_columns, std::vector<std::string>{"new"});
}

}  // namespace
}  // namespace mlops
