#include "features/group_store.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "features/feature_store_test_util.hpp"
#include "features/group_reads.hpp"
#include "features/values.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

using testing::customer_spec;
using testing::insert_csv;
using testing::snapshot_text;
using testing::TempDir;

class FeatureGroupTest : public ::testing::Test {
 protected:
  std::unique_ptr<FeatureGroupStore> open(const FeatureGroupSpec& spec = customer_spec()) {
    auto group = FeatureGroupStore::open(dir.path() / "fs", spec);
    EXPECT_TRUE(group.ok()) << (group.ok() ? "" : group.error().message());
    return group.ok() ? std::move(*group) : nullptr;
  }
  TempDir dir;
};

TEST(FeatureValuesTest, EventTimesReadIsoAndEpochAndWriteOneForm) {
  EXPECT_EQ(parse_event_time("1970-01-01"), 0);
  EXPECT_EQ(parse_event_time("2024-06-01T12:30:00Z"), parse_event_time("1717245000"));
  EXPECT_EQ(parse_event_time("2024-06-01T14:30:00+02:00"), parse_event_time("2024-06-01 12:30:00"));
  EXPECT_EQ(format_event_time(*parse_event_time("2024-06-01T12:30:00.25Z")),
            "2024-06-01T12:30:00.250000Z");
  EXPECT_EQ(format_event_time(*parse_event_time("1969-12-31T23:59:59Z")), "1969-12-31T23:59:59Z");
  EXPECT_FALSE(parse_event_time("2024-02-30"));
  EXPECT_FALSE(parse_event_time("yesterday"));
  EXPECT_FALSE(parse_event_time("2024-06-01T25:00"));
}

TEST_F(FeatureGroupTest, InsertIsOneCommitWithCountsAndHash) {
  auto group = open();
  ASSERT_TRUE(group);
  int64_t first = insert_csv(*group, dir.path(),
                             "1,2024-01-01,0.5,basic\n2,2024-01-01,0.7,pro\n"
                             "1,2024-01-01,0.6,basic\n");  // same identity: the last wins
  ASSERT_EQ(first, 1);
  auto commit = group->commit(1);
  ASSERT_TRUE(commit.ok() && *commit);
  EXPECT_EQ((*commit)->rows_inserted, 2);
  EXPECT_EQ((*commit)->rows_dropped, 1);
  EXPECT_EQ((*commit)->content_hash.size(), 32u);
  EXPECT_EQ(snapshot_text(*group, 1),
            "customer_id,ts,score,plan\n1,2024-01-01T00:00:00Z,0.6,basic\n"
            "2,2024-01-01T00:00:00Z,0.7,pro\n");
}

TEST_F(FeatureGroupTest, CorrectionInLaterCommitWinsAndTimeTravelSeesBoth) {
  auto group = open();
  insert_csv(*group, dir.path(), "1,2024-01-01,0.5,basic\n");
  int64_t second = insert_csv(*group, dir.path(), "1,2024-01-01,0.9,basic\n");
  auto commit = group->commit(second);
  EXPECT_EQ((*commit)->rows_updated, 1);
  EXPECT_EQ((*commit)->rows_inserted, 0);
  EXPECT_NE(snapshot_text(*group, 1), snapshot_text(*group, 2));
  EXPECT_NE(snapshot_text(*group, 2).find("0.9"), std::string::npos);
  EXPECT_NE(snapshot_text(*group, 1).find("0.5"), std::string::npos);
}

TEST_F(FeatureGroupTest, CommittedAtIsStrictlyIncreasing) {
  auto group = open();
  for (int i = 0; i < 5; ++i) {
    insert_csv(*group, dir.path(), fmt::format("{},2024-01-01,0.5,basic\n", i));
  }
  auto commits = group->commits(0);
  ASSERT_EQ(commits->size(), 5u);
  for (size_t i = 1; i < commits->size(); ++i) {
    EXPECT_GT((*commits)[i - 1].committed_at, (*commits)[i].committed_at);  // newest first
  }
}

TEST_F(FeatureGroupTest, LateRowNeverOverwritesNewerOnlineValue) {
  auto group = open();
  insert_csv(*group, dir.path(), "1,2024-01-10,0.9,pro\n");
  insert_csv(*group, dir.path(), "1,2024-01-05,0.1,basic\n");  // late: an older event
  auto online = get_online(*group, {"1"}, *parse_event_time("2024-01-11"));
  ASSERT_TRUE(online.ok());
  EXPECT_EQ(online->status, "present");
  EXPECT_EQ(online->values[0], "0.9");
  // The late row is in the changes of the commit that wrote it.
  std::string changes;
  testing::StringSink sink(changes);
  TableWriter writer(sink, TableFormat::Csv, change_columns(group->spec()));
  ASSERT_TRUE(read_changes(*group, 1, 2, writer).ok());
  ASSERT_TRUE(writer.finish().ok());
  EXPECT_NE(changes.find("1,2024-01-05T00:00:00Z,0.1,basic,2,"), std::string::npos) << changes;
  EXPECT_NE(changes.find(",insert\n"), std::string::npos);
}

TEST_F(FeatureGroupTest, OnlineExpiresAfterTtlAndTombstoneIsMissing) {
  auto group = open(customer_spec(Milliseconds(std::chrono::hours(24))));
  insert_csv(*group, dir.path(), "1,2024-01-01,0.5,basic\n2,2024-01-01,0.5,basic\n");
  EXPECT_EQ(get_online(*group, {"1"}, *parse_event_time("2024-01-02"))->status, "present");
  EXPECT_EQ(get_online(*group, {"1"}, *parse_event_time("2024-01-02T00:00:01"))->status, "expired");
  EXPECT_EQ(get_online(*group, {"3"}, *parse_event_time("2024-01-01"))->status, "missing");
  auto keys = testing::write_csv(dir.path(), "keys.csv", "customer_id\n2\n");
  auto batch = read_row_batch(keys, group->spec(), BatchKind::Keys);
  ASSERT_TRUE(batch.ok());
  auto deleted = group->remove(*batch, CommitInfo{"delete"});
  ASSERT_TRUE(deleted.ok() && *deleted);
  EXPECT_EQ((*deleted)->rows_deleted, 1);
  EXPECT_EQ(get_online(*group, {"2"}, *parse_event_time("2024-01-01"))->status, "missing");
  EXPECT_EQ(snapshot_text(*group, 2),
            "customer_id,ts,score,plan\n1,2024-01-01T00:00:00Z,0.5,basic\n");
  EXPECT_NE(snapshot_text(*group, 1).find("\n2,"), std::string::npos);
}

TEST_F(FeatureGroupTest, BadValueRefusesTheWholeFileWithItsLine) {
  auto group = open();
  auto path =
      testing::write_csv(dir.path(), "bad.csv",
                         "customer_id,ts,score,plan\n1,2024-01-01,0.5,a\n2,2024-01-01,high,b\n");
  auto batch = read_row_batch(path, group->spec(), BatchKind::Rows);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().message(), path.string() + ":3: column 'score': 'high' is not a float");
  EXPECT_EQ((*group->latest_commit()), std::nullopt);
}

TEST_F(FeatureGroupTest, SchemaChangeIsRefusedWithDifferencesButNullableAddIsAllowed) {
  open();
  FeatureGroupSpec changed = customer_spec();
  changed.features[0].type = FeatureType::Int;
  auto refused = FeatureGroupStore::open(dir.path() / "fs", changed);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("feature 'score': float → int"), std::string::npos);
  EXPECT_NE(refused.error().message().find("declare `version: 2`"), std::string::npos);
  FeatureGroupSpec added = customer_spec();
  added.features.push_back({"tenure", FeatureType::Int, true, {}});
  auto group = FeatureGroupStore::open(dir.path() / "fs", added);
  ASSERT_TRUE(group.ok()) << group.error().message();
  EXPECT_EQ((*group)->spec().features.size(), 3u);
}

TEST_F(FeatureGroupTest, CompactionKeepsRetainedSnapshotsAndRefusesOlderAndPinned) {
  auto group = open();
  insert_csv(*group, dir.path(), "1,2024-01-01,0.1,a\n");
  insert_csv(*group, dir.path(), "1,2024-01-01,0.2,a\n");
  insert_csv(*group, dir.path(), "1,2024-01-02,0.3,a\n");
  std::string at2 = snapshot_text(*group, 2);
  std::string at3 = snapshot_text(*group, 3);
  ASSERT_TRUE(group->pin("ds1", 1).ok());
  auto refused = group->compact(2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind(), ErrorKind::Conflict);
  EXPECT_NE(refused.error().message().find("dataset ds1 was built from commit 1"),
            std::string::npos);
  auto group2 = FeatureGroupStore::open(dir.path() / "fs2", customer_spec());
  insert_csv(**group2, dir.path(), "1,2024-01-01,0.1,a\n");
  insert_csv(**group2, dir.path(), "1,2024-01-01,0.2,a\n");
  insert_csv(**group2, dir.path(), "1,2024-01-02,0.3,a\n");
  auto dropped = (*group2)->compact(2);
  ASSERT_TRUE(dropped.ok()) << dropped.error().message();
  EXPECT_EQ(*dropped, 1);
  EXPECT_EQ(snapshot_text(**group2, 2), at2);
  EXPECT_EQ(snapshot_text(**group2, 3), at3);
  EXPECT_NE(snapshot_text(**group2, 1)
                .find("error: feature group customer: commits before 2 "
                      "were compacted"),
            std::string::npos);
}

}  // namespace
}  // namespace mlops
