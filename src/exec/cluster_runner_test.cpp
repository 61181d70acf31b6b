// The cluster runner's tracking, driven by a fake scheduler on a FakeClock: which states count
// as what, when the queue is asked (one call for every job, backing off), and that nothing is a
// success without the job's exit-code file.
#include <gtest/gtest.h>

#include <fstream>

#include "exec/cluster_runner.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

using std::chrono::seconds;

class FakeScheduler final : public ClusterBackend {
 public:
  std::string name() const override { return "fake"; }
  Result<std::string> submit(const JobSubmission& job) override {
    submissions.push_back(job);
    std::string id = std::to_string(++m_next);
    states[id] = {JobState::Pending, "PENDING", {}, {}};
    return id;
  }
  Result<std::map<std::string, JobStatus>> query(const std::vector<std::string>& ids) override {
    queries.push_back(ids);
    std::map<std::string, JobStatus> out;
    for (const auto& id : ids) {
      if (states.count(id) && !purged.count(id)) {
        out[id] = states[id];
      }
    }
    return out;
  }
  Status cancel(const std::vector<std::string>& ids) override {
    cancels.push_back(ids);
    return Status::success();
  }
  Result<std::optional<JobStatus>> lookup_finished(const std::string& id) override {
    ++lookups;
    auto it = completion_log.find(id);
    return it == completion_log.end() ? std::optional<JobStatus>{} : std::optional(it->second);
  }

  std::vector<JobSubmission> submissions;
  std::vector<std::vector<std::string>> queries;
  std::vector<std::vector<std::string>> cancels;
  std::map<std::string, JobStatus> states;
  std::set<std::string> purged;
  std::map<std::string, JobStatus> completion_log;
  int lookups = 0;

 private:
  int m_next = 0;
};

class NullSink final : public OutputSink {
 public:
  void on_output(std::string_view, OutputStream, std::string_view) override {}
};

class ClusterRunnerTest : public ::testing::Test {
 protected:
  ClusterRunnerTest() {
    options.script_dir = dir.path() / "jobs";
    options.poll = Milliseconds(5000);
    options.max_poll = Milliseconds(60000);
    options.file_check = Milliseconds(150);
  }

  ClusterRunner& runner() {
    if (!m_runner) {
      m_runner = std::make_unique<ClusterRunner>(scheduler, sink, clock, options,
                                                 [this](SteadyTime t) { clock.advance_to(t); });
    }
    return *m_runner;
  }

  void start(size_t token, std::optional<Milliseconds> timeout = std::nullopt) {
    ProcessRequest request;
    request.token = token;
    request.label = "s" + std::to_string(token);
    request.argv = {"/bin/sh", "-c", "true"};
    request.workdir = dir.path();
    request.log_path = dir.path() / ("s" + std::to_string(token) + ".log");
    request.executor = "fake";
    request.timeout = timeout;
    runner().start(request);
  }

  void write_exit_file(size_t token, const std::string& text) {
    std::ofstream(options.script_dir / ("s" + std::to_string(token) + ".exit")) << text;
  }

  // Waits (on the fake clock) at most `limit` for the next results.
  std::vector<ProcessResult> wait_for(seconds limit = seconds(600)) {
    return runner().wait(clock.now() + limit).finished;
  }

  testing::TempDir dir;
  FakeClock clock;
  FakeScheduler scheduler;
  NullSink sink;
  ClusterRunnerOptions options;

 private:
  std::unique_ptr<ClusterRunner> m_runner;
};

TEST_F(ClusterRunnerTest, TheExitCodeFileEndsAJobWithoutWaitingForThePoll) {
  start(0);
  ASSERT_EQ(scheduler.submissions.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(scheduler.submissions[0].script))
      << "the script (it holds the environment) is deleted once submitted";
  write_exit_file(0, "0\n");
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_TRUE(finished[0].succeeded());
  EXPECT_EQ(finished[0].message, "fake job 1");
  EXPECT_LT(finished[0].duration, Milliseconds(1000));
  EXPECT_TRUE(scheduler.queries.empty()) << "no queue poll was due yet";
}

TEST_F(ClusterRunnerTest, AFailingExitCodeIsReported) {
  start(0);
  write_exit_file(0, "3\n");
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].outcome, ProcessOutcome::Exited);
  EXPECT_EQ(finished[0].exit_code, 3);
}

TEST_F(ClusterRunnerTest, OneQueryPerPollCoversEveryActiveJob) {
  start(0);
  start(1);
  start(2);
  for (auto& [id, status] : scheduler.states) {
    status = {JobState::Running, "RUNNING", {}, {}};
  }
  EXPECT_TRUE(wait_for(seconds(16)).empty());
  ASSERT_EQ(scheduler.queries.size(), 2u);  // at 5 s and at 15 s (backed off to 10 s)
  for (const auto& ids : scheduler.queries) {
    EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3"}));
  }
}

TEST_F(ClusterRunnerTest, PollingBacksOffToItsCeilingAndResetsOnAChange) {
  start(0);
  scheduler.states["1"] = {JobState::Running, "RUNNING", {}, {}};
  std::vector<int> at;
  SteadyTime begin = clock.now();
  while (scheduler.queries.size() < 7) {
    size_t before = scheduler.queries.size();
    (void)wait_for(seconds(1));
    if (scheduler.queries.size() > before) {
      at.push_back(
          static_cast<int>(std::chrono::duration_cast<seconds>(clock.now() - begin).count()));
    }
  }
  // 5 s (a change: pending → running), then 5, 10, 20, 40, 60, 60 while nothing changes.
  EXPECT_EQ(at, (std::vector<int>{5, 10, 20, 40, 80, 140, 200}));
  start(1);  // something new: back to the first interval
  size_t before = scheduler.queries.size();
  (void)wait_for(seconds(6));
  EXPECT_EQ(scheduler.queries.size(), before + 1);
}

TEST_F(ClusterRunnerTest, CompletedWithoutTheExitCodeFileIsNeverASuccess) {
  start(0);
  scheduler.states["1"] = {JobState::Completed, "COMPLETED", 0, 0};
  SteadyTime begin = clock.now();
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_FALSE(finished[0].succeeded());
  EXPECT_NE(finished[0].message.find("COMPLETED but its exit-code file"), std::string::npos)
      << finished[0].message;
  EXPECT_NE(finished[0].message.find("not counted as succeeded"), std::string::npos);
  // Looked for at each poll (no back-off) until the grace for a late file had passed.
  EXPECT_GE(clock.now() - begin, options.poll + options.evidence_grace);
  EXPECT_EQ(scheduler.queries.size(), 1u + options.evidence_grace / options.poll);
}

TEST_F(ClusterRunnerTest, AVanishedJobWithoutAnyRecordFailsAsUnknown) {
  start(0);
  scheduler.purged.insert("1");
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_FALSE(finished[0].succeeded());
  EXPECT_NE(finished[0].message.find("its state is unknown; not counted as succeeded"),
            std::string::npos)
      << finished[0].message;
  EXPECT_EQ(scheduler.lookups, 1 + options.evidence_grace / options.poll);
}

TEST_F(ClusterRunnerTest, AVanishedJobIsLookedUpInTheCompletionLog) {
  start(0);
  scheduler.purged.insert("1");
  scheduler.completion_log["1"] = {JobState::Failed, "FAILED", 2, 0};
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].outcome, ProcessOutcome::Exited);
  EXPECT_EQ(finished[0].exit_code, 2);
}

TEST_F(ClusterRunnerTest, AVanishedJobWhoseExitFileArrivesLateSucceeds) {
  start(0);
  scheduler.purged.insert("1");
  (void)wait_for(seconds(6));  // one poll: vanished, no record
  write_exit_file(0, "0\n");
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_TRUE(finished[0].succeeded());
}

TEST_F(ClusterRunnerTest, AMalformedExitFileIsNoEvidence) {
  start(0);
  write_exit_file(0, "0 maybe\n");
  scheduler.states["1"] = {JobState::Completed, "COMPLETED", 0, 0};
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_FALSE(finished[0].succeeded());
}

struct StateCase {
  JobState state;
  const char* raw;
  ProcessOutcome outcome;
  const char* message_part;
};

TEST_F(ClusterRunnerTest, FinalStatesMapExactly) {
  const StateCase cases[] = {
      {JobState::Failed, "FAILED", ProcessOutcome::Exited, "fake job"},
      {JobState::TimedOut, "TIMEOUT", ProcessOutcome::TimedOut, "time limit"},
      {JobState::Cancelled, "CANCELLED", ProcessOutcome::Cancelled, "outside mlops"},
      {JobState::OutOfMemory, "OUT_OF_MEMORY", ProcessOutcome::Signaled, "out of memory"},
      {JobState::NodeFailed, "NODE_FAIL", ProcessOutcome::Signaled, "retries apply"},
      {JobState::NodeFailed, "PREEMPTED", ProcessOutcome::Signaled, "retries apply"},
      {JobState::OtherFailure, "DEADLINE", ProcessOutcome::Signaled, "DEADLINE"},
  };
  size_t token = 0;
  for (const auto& c : cases) {
    start(token);
    std::string id = std::to_string(token + 1);
    scheduler.states[id] = {c.state, c.raw, 5, 0};
    auto finished = wait_for();
    ASSERT_EQ(finished.size(), 1u) << c.raw;
    EXPECT_EQ(finished[0].outcome, c.outcome) << c.raw;
    EXPECT_FALSE(finished[0].succeeded()) << c.raw;
    EXPECT_NE(finished[0].message.find(c.message_part), std::string::npos)
        << c.raw << ": " << finished[0].message;
    if (c.outcome == ProcessOutcome::Exited) {
      EXPECT_EQ(finished[0].exit_code, 5);
    }
    ++token;
  }
}

TEST_F(ClusterRunnerTest, CancelAllCancelsEveryJobInOneCallAndWaitsForTheQueue) {
  start(0);
  start(1);
  start(2);
  runner().cancel_all();
  ASSERT_EQ(scheduler.cancels.size(), 1u);
  EXPECT_EQ(scheduler.cancels[0], (std::vector<std::string>{"1", "2", "3"}));
  for (auto& [id, status] : scheduler.states) {
    status = {JobState::Cancelled, "CANCELLED", {}, {}};
  }
  SteadyTime begin = clock.now();
  std::vector<ProcessResult> all;
  while (all.size() < 3) {
    for (auto& result : wait_for()) {
      all.push_back(result);
    }
  }
  EXPECT_LT(clock.now() - begin, seconds(1));
  for (const auto& result : all) {
    EXPECT_EQ(result.outcome, ProcessOutcome::Cancelled);
  }
  start(3);  // after an interrupt nothing new is submitted
  EXPECT_EQ(scheduler.submissions.size(), 3u);
}

TEST_F(ClusterRunnerTest, CancelAllGivesUpWaitingForTheQueueAfterItsBound) {
  start(0);
  scheduler.states["1"] = {JobState::Running, "RUNNING", {}, {}};
  runner().cancel_all();
  SteadyTime begin = clock.now();
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].outcome, ProcessOutcome::Cancelled);
  EXPECT_LE(clock.now() - begin, options.cancel_confirm + Milliseconds(200));
}

TEST_F(ClusterRunnerTest, ATimeoutCancelsTheJobAndReportsTimedOut) {
  start(0, Milliseconds(2000));
  scheduler.states["1"] = {JobState::Running, "RUNNING", {}, {}};
  ASSERT_TRUE(scheduler.submissions[0].time);
  EXPECT_EQ(*scheduler.submissions[0].time, Milliseconds(62000));
  auto finished = wait_for();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].outcome, ProcessOutcome::TimedOut);
  ASSERT_EQ(scheduler.cancels.size(), 1u);
  EXPECT_EQ(scheduler.cancels[0], (std::vector<std::string>{"1"}));
}

TEST(PollIntervalTest, ReadsSecondsAndIgnoresNonsense) {
  EXPECT_EQ(poll_interval_from_env("0.2", Milliseconds(5000)), Milliseconds(200));
  EXPECT_EQ(poll_interval_from_env(nullptr, Milliseconds(5000)), Milliseconds(5000));
  EXPECT_EQ(poll_interval_from_env("fast", Milliseconds(5000)), Milliseconds(5000));
  EXPECT_EQ(poll_interval_from_env("-1", Milliseconds(5000)), Milliseconds(5000));
  EXPECT_EQ(poll_interval_from_env("nan", Milliseconds(5000)), Milliseconds(5000));
}

}  // namespace
}  // namespace mlops
