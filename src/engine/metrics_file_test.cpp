#include "engine/metrics_file.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

TEST(MetricsFileTest, FlattensNestedValues) {
  auto metrics = parse_metrics_json(R"({"train": {"loss": [0.5, 0.25]}, "ok": true, "s": "x"})");
  ASSERT_TRUE(metrics.ok());
  ASSERT_EQ(metrics->size(), 3u);
  EXPECT_EQ((*metrics)[0].key, "ok");
  EXPECT_EQ((*metrics)[1].key, "train.loss.0");
  EXPECT_EQ((*metrics)[2].value, 0.25);
}

// Found by running fuzz/metrics_json_fuzz on a hand-made input: 100,000 nested '[' overflowed the
// stack while flattening.
TEST(MetricsFileTest, DeepNestingIsRefusedNotAStackOverflow) {
  std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  auto metrics = parse_metrics_json(deep);
  ASSERT_FALSE(metrics.ok());
  EXPECT_EQ(metrics.error().message(), "nested deeper than 100 levels");
  std::string limit =
      std::string(k_max_metrics_depth, '[') + "1" + std::string(k_max_metrics_depth, ']');
  EXPECT_TRUE(parse_metrics_json(limit).ok());
}

}  // namespace
}  // namespace mlops
