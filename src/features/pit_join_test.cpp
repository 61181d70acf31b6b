#include "features/pit_join.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "features/feature_store_test_util.hpp"
#include "features/values.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

using testing::customer_spec;
using testing::insert_csv;
using testing::TempDir;

class PitJoinTest : public ::testing::Test {
 public:
  std::unique_ptr<FeatureGroupStore> open(const FeatureGroupSpec& spec) {
    auto group = FeatureGroupStore::open(dir.path() / "fs", spec);
    EXPECT_TRUE(group.ok()) << (group.ok() ? "" : group.error().message());
    return group.ok() ? std::move(*group) : nullptr;
  }
  // The joined score of each spine row ("-" for null).
  std::vector<std::string> scores(FeatureGroupStore& group, const std::string& spine_rows,
                                  JoinOptions options) {
    auto path = testing::write_csv(dir.path(), "spine.csv", "customer_id,ts,label\n" + spine_rows);
    auto spine = read_spine(path, "ts", {{"customer_id", FeatureType::Int, false, {}, {}}});
    EXPECT_TRUE(spine.ok()) << (spine.ok() ? "" : spine.error().message());
    if (options.as_of == 0) {
      options.as_of = (*group.latest_commit())->id;
    }
    auto joined = join_group(group, *spine, {"score"}, options);
    EXPECT_TRUE(joined.ok()) << (joined.ok() ? "" : joined.error().message());
    std::vector<std::string> out;
    for (size_t row = 0; joined.ok() && row < spine->size(); ++row) {
      std::string text;
      joined->columns[0].append_text(text, row);
      out.push_back(joined->columns[0].is_null(row) ? "-" : text);
    }
    return out;
  }
  TempDir dir;
};

using Scores = std::vector<std::string>;

TEST_F(PitJoinTest, TieAtLabelTimeIsInclusiveByDefaultAndExclusiveOnRequest) {
  auto group = open(customer_spec());
  insert_csv(*group, dir.path(), "1,2024-01-01,0.1,a\n1,2024-01-05,0.5,a\n");
  std::string spine = "1,2024-01-05,1\n1,2024-01-04,0\n1,2023-12-31,0\n";
  EXPECT_EQ(scores(*group, spine, {}), (Scores{"0.5", "0.1", "-"}));
  EXPECT_EQ(scores(*group, spine, {0, true, false}), (Scores{"0.1", "0.1", "-"}));
}

TEST_F(PitJoinTest, TtlBoundaryIsInclusiveAndDelayShiftsTheWindow) {
  auto group = open(
      customer_spec(Milliseconds(std::chrono::hours(48)), Milliseconds(std::chrono::hours(24))));
  insert_csv(*group, dir.path(), "1,2024-01-01,0.1,a\n");
  // usable from 01-02 (delay), until 01-03 (ttl 48h from the event)
  std::string spine =
      "1,2024-01-01T12:00:00,0\n1,2024-01-02,0\n1,2024-01-03,0\n1,2024-01-03T00:00:01,0\n";
  EXPECT_EQ(scores(*group, spine, {}), (Scores{"-", "0.1", "0.1", "-"}));
}

TEST_F(PitJoinTest, CorrectionIsSeenOnlyFromItsCommit) {
  auto group = open(customer_spec());
  insert_csv(*group, dir.path(), "1,2024-01-01,0.1,a\n");
  insert_csv(*group, dir.path(), "1,2024-01-01,0.9,a\n");
  EXPECT_EQ(scores(*group, "1,2024-01-02,1\n", {1, false, false}), (Scores{"0.1"}));
  EXPECT_EQ(scores(*group, "1,2024-01-02,1\n", {2, false, false}), (Scores{"0.9"}));
}

TEST_F(PitJoinTest, KnownTimeDropsBackfillsEventTimeModeUsesThem) {
  auto group = open(customer_spec());
  insert_csv(*group, dir.path(), "1,2024-01-01,0.1,a\n");
  int64_t first_commit_time = (*group->latest_commit())->committed_at;
  insert_csv(*group, dir.path(), "1,2024-01-02,0.7,a\n");  // a backfill, committed after ts
  std::string spine = "1," + format_event_time(first_commit_time) + ",1\n";
  EXPECT_EQ(scores(*group, spine, {0, false, false}), (Scores{"0.7"}));
  EXPECT_EQ(scores(*group, spine, {0, false, true}), (Scores{"0.1"}));
}

TEST_F(PitJoinTest, LateRowIsSeenByTheJoin) {
  auto group = open(customer_spec());
  insert_csv(*group, dir.path(), "1,2024-01-10,0.9,a\n");
  insert_csv(*group, dir.path(), "1,2024-01-05,0.4,a\n");
  EXPECT_EQ(scores(*group, "1,2024-01-06,1\n1,2024-01-11,1\n", {}), (Scores{"0.4", "0.9"}));
}

TEST_F(PitJoinTest, TombstoneGivesNull) {
  auto group = open(customer_spec());
  insert_csv(*group, dir.path(), "1,2024-01-01,0.1,a\n1,2024-01-03,0.3,a\n2,2024-01-01,0.2,b\n");
  auto keys = testing::write_csv(dir.path(), "keys.csv", "customer_id,ts\n1,2024-01-03\n");
  auto batch = read_row_batch(keys, group->spec(), BatchKind::Keys);
  ASSERT_TRUE(group->remove(*batch, CommitInfo{"delete"}).ok());
  EXPECT_EQ(scores(*group, "1,2024-01-02,1\n1,2024-01-04,1\n2,2024-01-04,0\n3,2024-01-04,0\n", {}),
            (Scores{"0.1", "-", "0.2", "-"}));
}

// A join against a brute force over the same rows: `keys` group keys, `spine_keys` spine keys.
// Few spine keys for the group's size take the per-key index seeks, many the one ordered scan.
void expect_brute_force_agrees(PitJoinTest& test, int rows, int keys, int spine_keys,
                               size_t parallel_min_rows = 200000) {
  auto group = test.open(customer_spec(Milliseconds(std::chrono::hours(24 * 3))));
  std::string text;
  auto time_of = [](int i) { return int64_t{1704067200} + (i * 7919 % 1000) * 3600; };
  for (int i = 0; i < rows; ++i) {
    text += fmt::format("{},{},{},p\n", i % keys, time_of(i), i);
  }
  insert_csv(*group, test.dir.path(), text);
  std::string spine;
  std::vector<std::pair<int, int64_t>> labels;
  for (int i = 0; i < 200; ++i) {
    int64_t ts = 1704067200 + (i * 104729 % 1100) * 3600;
    labels.emplace_back(i % spine_keys, ts);
    spine += fmt::format("{},{},0\n", i % spine_keys, ts);
  }
  JoinOptions options;
  options.parallel_min_rows = parallel_min_rows;
  auto got = test.scores(*group, spine, options);
  for (size_t l = 0; l < labels.size(); ++l) {
    // the greatest event time <= ts within 72h; of equal times the later row in the file
    int best = -1;
    int64_t best_time = INT64_MIN;
    for (int i = 0; i < rows; ++i) {
      int64_t t = time_of(i);
      if (i % keys == labels[l].first && t <= labels[l].second &&
          t >= labels[l].second - 3 * 86400 && t >= best_time) {
        best = i;
        best_time = t;
      }
    }
    EXPECT_EQ(got[l], best < 0 ? "-" : std::to_string(best)) << "label " << l;
  }
}

TEST_F(PitJoinTest, ManyKeysAgreeWithABruteForceJoinOneScan) {
  expect_brute_force_agrees(*this, 300, 17, 19);
}

TEST_F(PitJoinTest, ManyKeysAgreeWithABruteForceJoinInParallelParts) {
  expect_brute_force_agrees(*this, 300, 17, 19, 1);
}

TEST_F(PitJoinTest, FewKeysAgreeWithABruteForceJoinIndexSeeks) {
  expect_brute_force_agrees(*this, 3000, 50, 4);
}

}  // namespace
}  // namespace mlops
