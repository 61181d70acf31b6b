#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "app/cache_lock.hpp"
#include "app/gc.hpp"
#include "app/workspace_test_util.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

using std::chrono::hours;

RunRecord run_of(const std::string& id, const std::string& pipeline, const std::string& started,
                 const std::string& status = "succeeded") {
  RunRecord run;
  run.id = id;
  run.pipeline = pipeline;
  run.started_at = started;
  run.status = status;
  return run;
}

TEST(GcPolicyTest, KeepLastAndKeepDaysChooseTheRuns) {
  auto now = std::chrono::system_clock::now();
  auto ago = [&](int h) { return format_utc_iso(now - hours(h)); };
  // Newest first, as list_runs gives them.
  std::vector<RunRecord> runs = {run_of("p3", "p", ago(1)), run_of("q2", "q", ago(2)),
                                 run_of("p2", "p", ago(30)), run_of("q1", "q", ago(50), "running"),
                                 run_of("p1", "p", ago(80))};
  struct Case {
    GcPolicy policy;
    std::set<std::string> kept;
  };
  for (const auto& [policy, kept] : std::vector<Case>{
           {{}, {"p1", "p2", "p3", "q1", "q2"}},     // no rule: every run
           {{1, std::nullopt}, {"p3", "q2", "q1"}},  // newest per pipeline, running
           {{2, std::nullopt}, {"p3", "p2", "q2", "q1"}},
           {{0, std::nullopt}, {"q1"}},
           {{std::nullopt, 1}, {"p3", "q2", "q1"}},  // younger than a day
           {{std::nullopt, 4}, {"p1", "p2", "p3", "q1", "q2"}},
           {{std::nullopt, 0}, {"q1"}},         // none younger than now
           {{1, 2}, {"p3", "q2", "p2", "q1"}},  // either rule keeps a run
       }) {
    EXPECT_EQ(runs_to_keep(runs, {"p1", "p2", "p3", "q1", "q2"}, policy, now), kept)
        << policy.keep_last.value_or(-1) << " " << policy.keep_days.value_or(-1);
  }
}

TEST(GcPolicyTest, KeepLastCountsOnlySucceededRunsThatProducedSomething) {
  auto now = std::chrono::system_clock::now();
  auto ago = [&](int h) { return format_utc_iso(now - hours(h)); };
  std::vector<RunRecord> runs = {
      run_of("cached2", "p", ago(1)), run_of("failed", "p", ago(2), "failed"),
      run_of("cached1", "p", ago(3)), run_of("made2", "p", ago(4)), run_of("made1", "p", ago(5))};
  std::set<std::string> producing = {"failed", "made2", "made1"};
  EXPECT_EQ(runs_to_keep(runs, producing, {1, std::nullopt}, now), std::set<std::string>{"made2"});
  EXPECT_EQ(runs_to_keep(runs, producing, {2, std::nullopt}, now),
            (std::set<std::string>{"made2", "made1"}));
}

class GcTest : public testing::WorkspaceTest {};

TEST_F(GcTest, LiveSetHasKeptRunsOutputsAndWhatTheWorkspaceHolds) {
  write("out.txt", "old");
  ArtifactVersion old_version = cache("out.txt");
  write("out.txt", "new");
  ArtifactVersion new_version = cache("out.txt");
  write("d/a.csv", "a");
  ArtifactVersion tree = cache("d");
  std::string member = digest_path(root / "d/a.csv")->digest.hex();
  write("gone.txt", "dropped");
  ArtifactVersion gone = cache("gone.txt");
  record_run("r1", "p", "2026-01-01T00:00:00.000Z", {old_version, gone});
  record_run("r2", "p", "2026-01-02T00:00:00.000Z", {new_version, tree});
  // The workspace holds the old version again (checked out): it stays restorable. gone.txt was
  // deleted from the workspace.
  write("out.txt", "old");
  std::filesystem::remove(root / "gone.txt");
  auto live = live_objects(*space, {"r2"});
  ASSERT_TRUE(live.ok()) << live.error().message();
  EXPECT_EQ(*live,
            (std::set<std::string>{old_version.digest, new_version.digest, tree.digest, member}));
}

TEST_F(GcTest, RemovesWhatNoKeptRunNeedsAndTheirLogs) {
  write("out.txt", "one");
  ArtifactVersion one = cache("out.txt");
  write("out.txt", "two");
  ArtifactVersion two = cache("out.txt");
  record_run("r1", "p", "2026-01-01T00:00:00.000Z", {one});
  record_run("r2", "p", "2026-01-02T00:00:00.000Z", {two});
  write(".mlops/logs/r1/make.log", "log one");
  write(".mlops/logs/r2/make.log", "log two");

  auto dry = collect_garbage(*space, {{1, std::nullopt}, GcMode::DryRun});
  ASSERT_TRUE(dry.ok()) << dry.error().message();
  EXPECT_TRUE(dry->dry_run);
  EXPECT_EQ(dry->objects_removed, 1u);
  EXPECT_EQ(dry->log_directories_removed, 1u);
  EXPECT_EQ(dry->freed_bytes, 3u + 7u);
  EXPECT_TRUE(space->objects().has(one.digest, false));

  auto gc = collect_garbage(*space, {{1, std::nullopt}, GcMode::Remove});
  ASSERT_TRUE(gc.ok()) << gc.error().message();
  EXPECT_EQ(gc->runs, 2u);
  EXPECT_EQ(gc->runs_kept, 1u);
  EXPECT_EQ(gc->objects_removed, 1u);
  EXPECT_FALSE(space->objects().has(one.digest, false));
  EXPECT_TRUE(space->objects().has(two.digest, false));
  EXPECT_FALSE(std::filesystem::exists(root / ".mlops/logs/r1"));
  EXPECT_EQ(read(".mlops/logs/r2/make.log"), "log two");
}

TEST_F(GcTest, ASharedCacheLockBlocksAnExclusiveOne) {
  auto run = acquire_cache_use(*space);
  ASSERT_TRUE(run.ok()) << run.error().message();
  auto other_run = acquire_cache_use(*space);  // runs share it
  ASSERT_TRUE(other_run.ok());
  auto sweep = try_acquire_cache_sweep(*space);
  ASSERT_TRUE(sweep.ok());
  EXPECT_FALSE(sweep->has_value());
  // A dry run does not wait, and says runs are in progress.
  auto dry = collect_garbage(*space, {{}, GcMode::DryRun});
  ASSERT_TRUE(dry.ok());
  EXPECT_TRUE(dry->runs_in_progress);
  {
    auto released = std::move(*run);
    auto released_too = std::move(*other_run);
  }
  auto after = try_acquire_cache_sweep(*space);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->has_value());
}

// gc does not wait for runs (they can last hours); it keeps what they may have saved without
// recording it yet: every object written since the oldest of them started.
TEST_F(GcTest, KeepsWhatARunInProgressSavedWithoutWaitingForIt) {
  write("old.txt", "old and dead");
  ArtifactVersion dead = cache("old.txt");
  std::filesystem::path object = space->objects().object_path(dead.digest);
  std::filesystem::permissions(object, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::filesystem::last_write_time(
      object, std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  record_run("r0", "p", "2026-01-01T00:00:00.000Z", {});
  // A run going for ten minutes, holding the cache lock, that just saved an object.
  record_run("r1", "p", format_utc_iso(std::chrono::system_clock::now() - std::chrono::minutes(10)),
             {}, "running");
  std::optional<CacheUseLock> run;
  run.emplace(*acquire_cache_use(*space));
  write("out.txt", "saved but not recorded yet");
  ArtifactVersion unrecorded = cache("out.txt");
  auto other = Workspace::open(root, root / ".mlops" / "store.db", StoreMode::Existing);
  ASSERT_TRUE(other.ok());
  auto result = collect_garbage(*other, {{}, GcMode::Remove});
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_TRUE(result->runs_in_progress);
  EXPECT_GE(result->kept_younger_than, std::chrono::minutes(10));
  EXPECT_LT(result->kept_younger_than, std::chrono::minutes(13));
  EXPECT_TRUE(space->objects().has(unrecorded.digest, false));
  EXPECT_FALSE(space->objects().has(dead.digest, false));  // older than the run: swept
}

}  // namespace
}  // namespace mlops
