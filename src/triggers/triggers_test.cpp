#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "git/git_test_repo.hpp"
#include "store/sql_store.hpp"
#include "triggers/evaluator.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

WallTime at(const char* iso) {
  return *parse_utc_iso(iso);
}

// A pipeline's triggers against an in-memory store, checked the way `mlops trigger check` does:
// a firing records a run that advances the state; otherwise quiet advances are written.
class TriggerHarness {
 public:
  explicit TriggerHarness(std::filesystem::path workspace = std::filesystem::temp_directory_path())
      : m_store(std::move(*SqlStore::open(":memory:"))), m_workspace(std::move(workspace)) {}

  PipelineEvaluation evaluate(const TriggerSpecs& specs, WallTime now) {
    TriggerContext context{*m_store, "training", m_workspace, now, now, {}};
    return evaluate_triggers(specs, context);
  }

  // Evaluates and records; returns the reasons of what fired.
  std::vector<std::string> check(const TriggerSpecs& specs, WallTime now) {
    PipelineEvaluation evaluation = evaluate(specs, now);
    std::vector<std::string> reasons;
    for (const Firing* firing : evaluation.firings()) {
      reasons.push_back(firing->reason);
    }
    for (const auto& error : evaluation.errors()) {
      reasons.push_back("error: " + error);
    }
    if (evaluation.fires()) {
      RunRecord run;
      run.id = "run-" + std::to_string(++m_runs);
      run.pipeline = "training";
      run.started_at = format_utc_iso(now);
      EXPECT_TRUE(m_store->begin_run(run, evaluation.run_advances()).ok());
    } else if (!evaluation.quiet_advances().empty()) {
      EXPECT_TRUE(m_store->advance_triggers(evaluation.quiet_advances(), format_utc_iso(now)).ok());
    }
    return reasons;
  }

  SqlStore& store() { return *m_store; }
  int runs() const { return m_runs; }

 private:
  std::unique_ptr<SqlStore> m_store;
  std::filesystem::path m_workspace;
  int m_runs = 0;
};

TriggerSpecs schedule(const char* cron, const char* zone, Catchup catchup) {
  TriggerSpecs specs;
  ScheduleTriggerSpec spec;
  spec.cron = cron;
  spec.timezone = zone;
  spec.catchup = catchup;
  specs.schedule.push_back(spec);
  return specs;
}

TEST(ScheduleTriggerTest, EachDueTimeFiresExactlyOnceAcrossRepeatedChecks) {
  TriggerHarness harness;
  auto specs = schedule("0 3 * * *", "Europe/Stockholm", Catchup::Latest);
  EXPECT_TRUE(harness.check(specs, at("2026-11-24T01:00:00Z")).empty());  // first look
  EXPECT_TRUE(harness.check(specs, at("2026-11-24T01:59:00Z")).empty());
  auto fired = harness.check(specs, at("2026-11-24T02:00:30Z"));  // 03:00 CET
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0],
            "schedule: 2026-11-24 03:00 CET (2026-11-24 02:00 UTC) was due (0 3 * * *, catchup "
            "latest)");
  EXPECT_TRUE(harness.check(specs, at("2026-11-24T02:01:00Z")).empty());
  EXPECT_TRUE(harness.check(specs, at("2026-11-24T02:00:59Z")).empty());
  EXPECT_TRUE(harness.check(specs, at("2026-11-25T01:59:59Z")).empty());
  EXPECT_EQ(harness.check(specs, at("2026-11-25T02:00:00Z")).size(), 1u);
  EXPECT_EQ(harness.runs(), 2);
}

TEST(ScheduleTriggerTest, FirstCheckInTheDueMinuteFires) {
  TriggerHarness harness;
  auto specs = schedule("@hourly", "UTC", Catchup::None);
  EXPECT_EQ(harness.check(specs, at("2026-11-24T05:00:20Z")).size(), 1u);
  EXPECT_TRUE(harness.check(specs, at("2026-11-24T05:00:40Z")).empty());
}

TEST(ScheduleTriggerTest, CatchupLatestRunsOnceForManyMissedTimes) {
  TriggerHarness harness;
  auto specs = schedule("0 * * * *", "UTC", Catchup::Latest);
  harness.check(specs, at("2026-11-24T00:30:00Z"));
  auto fired = harness.check(specs, at("2026-11-24T06:10:00Z"));  // 01:00 .. 06:00 missed
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].find("2026-11-24 06:00 UTC"), std::string::npos) << fired[0];
  EXPECT_NE(fired[0].find("5 earlier missed times skipped"), std::string::npos) << fired[0];
  EXPECT_TRUE(harness.check(specs, at("2026-11-24T06:20:00Z")).empty());
}

TEST(ScheduleTriggerTest, CatchupAllRunsEveryMissedTimeOldestFirst) {
  TriggerHarness harness;
  auto specs = schedule("0 * * * *", "UTC", Catchup::All);
  harness.check(specs, at("2026-11-24T00:30:00Z"));
  std::vector<std::string> due;
  for (int i = 0; i < 10; ++i) {
    auto evaluation = harness.evaluate(specs, at("2026-11-24T03:10:00Z"));
    auto fired = harness.check(specs, at("2026-11-24T03:10:00Z"));
    if (fired.empty()) {
      break;
    }
    EXPECT_EQ(evaluation.more_due(), due.size() < 2);
    due.push_back(fired[0].substr(10, 16));
  }
  EXPECT_EQ(due,
            (std::vector<std::string>{"2026-11-24 01:00", "2026-11-24 02:00", "2026-11-24 03:00"}));
}

TEST(ScheduleTriggerTest, CatchupNoneSkipsTimesMissedLongAgo) {
  TriggerHarness harness;
  auto specs = schedule("0 3 * * *", "UTC", Catchup::None);
  harness.check(specs, at("2026-11-24T01:00:00Z"));
  auto evaluation = harness.evaluate(specs, at("2026-11-24T09:00:00Z"));
  EXPECT_FALSE(evaluation.fires());
  ASSERT_EQ(evaluation.outcomes[0].notes.size(), 1u);
  EXPECT_NE(evaluation.outcomes[0].notes[0].find("skipped (catchup none)"), std::string::npos);
  harness.check(specs, at("2026-11-24T09:00:00Z"));
  // A time seen within minutes of coming due still runs.
  EXPECT_EQ(harness.check(specs, at("2026-11-25T03:04:00Z")).size(), 1u);
}

TEST(ScheduleTriggerTest, DaylightSavingGapFiresOnceAtTheEndOfTheGap) {
  TriggerHarness harness;
  // 2026-03-29 02:30 does not exist in Stockholm: the clock jumps from 02:00 to 03:00 CEST.
  auto specs = schedule("30 2 * * *", "Europe/Stockholm", Catchup::Latest);
  harness.check(specs, at("2026-03-28T23:00:00Z"));
  EXPECT_TRUE(harness.check(specs, at("2026-03-29T00:59:00Z")).empty());
  auto fired = harness.check(specs, at("2026-03-29T01:00:00Z"));  // 03:00 CEST
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].find("2026-03-29 03:00 CEST"), std::string::npos) << fired[0];
  EXPECT_TRUE(harness.check(specs, at("2026-03-29T02:00:00Z")).empty());
}

TEST(ScheduleTriggerTest, DaylightSavingOverlapFiresOnceAtTheFirstOccurrence) {
  TriggerHarness harness;
  // 2026-11-01 01:30 happens twice in New York (EDT, then EST).
  auto specs = schedule("30 1 * * *", "America/New_York", Catchup::Latest);
  harness.check(specs, at("2026-11-01T04:00:00Z"));
  auto fired = harness.check(specs, at("2026-11-01T05:30:00Z"));  // 01:30 EDT
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].find("01:30 EDT"), std::string::npos) << fired[0];
  EXPECT_TRUE(harness.check(specs, at("2026-11-01T06:30:00Z")).empty());  // 01:30 EST
}

class DataTriggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("mlops-data-trigger-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir / "data/raw");
    DataTriggerSpec spec;
    spec.paths.push_back({"data/raw/**/*.csv", {}});
    spec.settle = std::chrono::seconds(30);
    m_specs.data.push_back(spec);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  void write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories((m_dir / name).parent_path());
    std::ofstream(m_dir / name) << text;
  }
  // Well after every file here was written.
  WallTime later() { return std::chrono::system_clock::now() + std::chrono::minutes(1); }

  std::filesystem::path m_dir;
  TriggerSpecs m_specs;
};

TEST_F(DataTriggerTest, NewFilesFireOnce) {
  TriggerHarness harness(m_dir);
  EXPECT_TRUE(harness.check(m_specs, later()).empty());
  write("data/raw/a.csv", "1");
  write("data/raw/2026/b.csv", "2");
  write("data/raw/notes.txt", "not watched");
  auto fired = harness.check(m_specs, later());
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0], "data: 2 new files under data/raw: new data/raw/2026/b.csv, data/raw/a.csv");
  EXPECT_TRUE(harness.check(m_specs, later()).empty());
}

TEST_F(DataTriggerTest, AFileStillBeingWrittenIsNotPickedUp) {
  TriggerHarness harness(m_dir);
  write("data/raw/a.csv", "1");
  auto evaluation = harness.evaluate(m_specs, std::chrono::system_clock::now());
  EXPECT_FALSE(evaluation.fires());
  ASSERT_EQ(evaluation.outcomes[0].notes.size(), 1u);
  EXPECT_NE(evaluation.outcomes[0].notes[0].find("waiting for 1 file"), std::string::npos);
  EXPECT_TRUE(evaluation.wake_at().has_value());
  EXPECT_EQ(harness.check(m_specs, later()).size(), 1u);
}

TEST_F(DataTriggerTest, ChangedAndRemovedFilesAreReported) {
  TriggerHarness harness(m_dir);
  write("data/raw/a.csv", "1");
  write("data/raw/b.csv", "2");
  harness.check(m_specs, later());
  write("data/raw/a.csv", "changed");
  std::filesystem::remove(m_dir / "data/raw/b.csv");
  auto fired = harness.check(m_specs, later());
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0],
            "data: 1 changed, 1 removed files under data/raw: changed data/raw/a.csv; removed "
            "data/raw/b.csv");
}

TEST_F(DataTriggerTest, TouchingAFileWithoutChangingItDoesNotFire) {
  TriggerHarness harness(m_dir);
  write("data/raw/a.csv", "1");
  harness.check(m_specs, later());
  write("data/raw/a.csv", "1");  // rewritten, same bytes
  EXPECT_TRUE(harness.check(m_specs, later()).empty());
  EXPECT_EQ(harness.runs(), 1);
}

TEST(ArtifactTriggerTest, FiresOnceForEachNewUpstreamVersion) {
  TriggerHarness harness;
  MetadataStore& store = harness.store();
  TriggerSpecs specs;
  specs.artifact.push_back({{}, "features", "data/features.csv"});
  auto fired = harness.check(specs, at("2026-11-24T01:00:00Z"));
  EXPECT_TRUE(fired.empty());

  auto upstream_run = [&](const std::string& id, const std::string& digest) {
    RunRecord run;
    run.id = id;
    run.pipeline = "features";
    run.started_at = "2026-11-24T01:00:00.000Z";
    ASSERT_TRUE(store.begin_run(run).ok());
    ExecutionRecord execution;
    execution.run_id = id;
    execution.stage = "publish";
    execution.started_at = run.started_at;
    ExecutionOutcome outcome;
    outcome.execution = execution;
    outcome.execution.status = "succeeded";
    outcome.outputs.push_back({"data/features.csv", "file", digest, 10});
    ASSERT_TRUE(store.record_batch({{execution, outcome}}).ok());
    ASSERT_TRUE(store.finish_run(id, "succeeded", "2026-11-24T01:00:01.000Z").ok());
  };
  upstream_run("f1", std::string(32, 'a'));
  fired = harness.check(specs, at("2026-11-24T01:01:00Z"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0], "artifact: features wrote a new data/features.csv (run f1, aaaaaaa)");
  EXPECT_TRUE(harness.check(specs, at("2026-11-24T01:02:00Z")).empty());
  upstream_run("f2", std::string(32, 'b'));
  EXPECT_EQ(harness.check(specs, at("2026-11-24T01:03:00Z")).size(), 1u);
  EXPECT_TRUE(harness.check(specs, at("2026-11-24T01:04:00Z")).empty());
}

class GitTriggerTest : public GitTestRepo {
 protected:
  void commit(const std::string& file, const std::string& text) {
    write(file, text);
    git("add -A");
    git("commit -q -m " + file);
  }
  TriggerSpecs specs(std::vector<std::string> paths) {
    TriggerSpecs specs;
    GitTriggerSpec spec;
    spec.branch = "main";
    for (auto& path : paths) {
      spec.paths.push_back({path, {}});
    }
    specs.git.push_back(spec);
    return specs;
  }
};

TEST_F(GitTriggerTest, FiresForCommitsTouchingWatchedPathsOnly) {
  git("init");
  commit("src/train/model.py", "1");
  TriggerHarness harness(m_dir);
  auto watched = specs({"src/train/**"});
  EXPECT_TRUE(harness.check(watched, at("2026-11-24T01:00:00Z")).empty());  // first look
  commit("README.md", "docs");
  EXPECT_TRUE(harness.check(watched, at("2026-11-24T01:01:00Z")).empty());
  std::string before = git_output("rev-parse --short=7 HEAD");
  commit("src/train/model.py", "2");
  commit("src/train/model.py", "3");
  auto fired = harness.check(watched, at("2026-11-24T01:02:00Z"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0], "git: 2 new commits on main touching src/train/model.py (" + before + ".." +
                          git_output("rev-parse --short=7 HEAD") + ")");
  EXPECT_TRUE(harness.check(watched, at("2026-11-24T01:03:00Z")).empty());
}

TEST_F(GitTriggerTest, ForcePushIsReported) {
  git("init");
  commit("src/a.py", "1");
  TriggerHarness harness(m_dir);
  auto watched = specs({});
  harness.check(watched, at("2026-11-24T01:00:00Z"));
  commit("src/a.py", "2");
  harness.check(watched, at("2026-11-24T01:01:00Z"));
  git("reset -q --hard HEAD~1");
  commit("src/b.py", "rewritten");
  auto fired = harness.check(watched, at("2026-11-24T01:02:00Z"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].find("main was rewritten (a force-push?)"), std::string::npos) << fired[0];
}

TEST_F(GitTriggerTest, SwitchingTheCheckedOutBranchIsReportedAsSuch) {
  git("init");
  commit("src/a.py", "1");
  TriggerHarness harness(m_dir);
  TriggerSpecs watched = specs({});
  watched.git[0].branch.reset();  // follow whatever HEAD names
  harness.check(watched, at("2026-11-24T01:00:00Z"));
  git("checkout -q -b dev");
  commit("src/a.py", "2");
  auto fired = harness.check(watched, at("2026-11-24T01:01:00Z"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].find("git: HEAD moved from branch main to dev ("), std::string::npos)
      << fired[0];
  EXPECT_NE(fired[0].find("touching src/a.py"), std::string::npos) << fired[0];
}

TEST_F(GitTriggerTest, MissingBranchIsAnErrorNotACrash) {
  git("init");
  commit("a", "1");
  TriggerHarness harness(m_dir);
  TriggerSpecs watched = specs({});
  watched.git[0].branch = "release";
  auto fired = harness.check(watched, at("2026-11-24T01:00:00Z"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].find("error: git: branch 'release' does not exist"), std::string::npos);
}

}  // namespace
}  // namespace mlops

namespace mlops {
namespace {

// A CSV of `rows` values of x ~ N(mean, 1), deterministic.
std::string normal_csv(int rows, double mean, unsigned seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> normal(mean, 1.0);
  std::string text = "x\n";
  for (int i = 0; i < rows; ++i)
    text += std::to_string(normal(random)) + "\n";
  return text;
}

class DriftTriggerTest : public DataTriggerTest {
 protected:
  void SetUp() override {
    DataTriggerTest::SetUp();
    m_specs = {};
    write("data/train.csv", normal_csv(3000, 0, 1));
    DriftTriggerSpec spec;
    spec.current.push_back({"data/serving/*.csv", {}});
    spec.reference = "data/train.csv";
    spec.settle = std::chrono::seconds(30);
    spec.cooldown = std::chrono::hours(24);
    m_specs.drift.push_back(spec);
  }
};

TEST_F(DriftTriggerTest, NoDriftDoesNotFireButKeepsTheReport) {
  TriggerHarness harness(m_dir);
  write("data/serving/a.csv", normal_csv(3000, 0, 2));
  WallTime now = later();
  EXPECT_TRUE(harness.check(m_specs, now).empty());
  auto states = harness.store().trigger_states("training");
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  auto state = nlohmann::json::parse((*states)[0].state_json);
  EXPECT_EQ(state["report"]["schema"], "mlops.drift/1");
  EXPECT_TRUE(state["report"]["columns"][0]["psi"].is_number());
}

TEST_F(DriftTriggerTest, DriftFiresOnceThenWaitsForTheCooldown) {
  TriggerHarness harness(m_dir);
  write("data/serving/a.csv", normal_csv(3000, 1.0, 2));
  WallTime now = later();
  auto fired = harness.check(m_specs, now);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rfind("drift: x psi=", 0), 0u) << fired[0];
  EXPECT_TRUE(harness.check(m_specs, now + std::chrono::minutes(1)).empty());  // nothing new
  write("data/serving/b.csv", normal_csv(3000, 1.2, 3));
  auto evaluation = harness.evaluate(m_specs, now + std::chrono::hours(1));
  EXPECT_FALSE(evaluation.fires());  // still drifting, but within the cooldown
  ASSERT_FALSE(evaluation.outcomes[0].notes.empty());
  EXPECT_NE(evaluation.outcomes[0].notes[0].find("less than 24h"), std::string::npos)
      << evaluation.outcomes[0].notes[0];
  write("data/serving/c.csv", normal_csv(3000, 1.1, 4));
  EXPECT_EQ(harness.check(m_specs, now + std::chrono::hours(25)).size(), 1u);
}

TEST_F(DriftTriggerTest, TooFewRowsNeverFire) {
  TriggerHarness harness(m_dir);
  write("data/serving/a.csv", normal_csv(50, 5.0, 2));
  EXPECT_TRUE(harness.check(m_specs, later()).empty());
  EXPECT_EQ(harness.runs(), 0);
}

TEST_F(DriftTriggerTest, EveryChecksAgainWithoutNewData) {
  m_specs.drift[0].every = std::chrono::hours(1);
  m_specs.drift[0].cooldown = std::chrono::seconds(0);
  TriggerHarness harness(m_dir);
  write("data/serving/a.csv", normal_csv(3000, 1.0, 2));
  WallTime now = later();
  EXPECT_EQ(harness.check(m_specs, now).size(), 1u);
  EXPECT_TRUE(harness.check(m_specs, now + std::chrono::minutes(30)).empty());
  EXPECT_EQ(harness.check(m_specs, now + std::chrono::minutes(61)).size(), 1u);
}

TEST_F(DriftTriggerTest, ReferenceByPipelineNeedsASucceededRun) {
  m_specs.drift[0].reference_pipeline = "churn-training";
  TriggerHarness harness(m_dir);
  write("data/serving/a.csv", normal_csv(3000, 1.0, 2));
  auto fired = harness.check(m_specs, later());
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0],
            "error: drift: no succeeded run of pipeline 'churn-training' yet: no "
            "reference to compare with");
}

}  // namespace
}  // namespace mlops
