// The run loop, driven by FakeRunner on a FakeClock: no process, no waiting.
#include "engine/executor.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "exec/fake_runner.hpp"
#include "spec/spec_test_util.hpp"

namespace mlops {
namespace {

using namespace std::chrono_literals;

// Records what the executor reports, in order.
class RecordingReporter final : public Reporter {
 public:
  void stage_started(const Stage& stage, int attempt, int, const ProcessRequest&,
                     const StageReport&) override {
    events.push_back("start " + stage.name + " #" + std::to_string(attempt));
  }
  void stage_retrying(const Stage& stage, const ProcessResult&, int, Milliseconds) override {
    events.push_back("retry " + stage.name);
  }
  void stage_finished(const Stage& stage, const StageReport& report) override {
    events.push_back(std::string(stage_status_name(report.status)) + " " + stage.name);
  }
  void interrupted(int, size_t) override { events.push_back("interrupted"); }
  void run_finished(const Pipeline&, const RunReport&) override { events.push_back("end"); }
  std::vector<std::string> events;
};

class ExecutorTest : public ::testing::Test {
 protected:
  void load(const std::string& stages) {
    auto result = testing::load_text("version: 1\nname: p\nstages:\n" + stages);
    ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
    m_pipeline = std::move(*result.pipeline);
    m_graph = Graph::build(m_pipeline);
  }
  RunReport run(size_t jobs, bool keep_going = false) {
    RunOptions options;
    options.run_id = "r1";
    options.jobs = jobs;
    options.keep_going = keep_going;
    options.log_dir = "/logs";
    options.base_env = {{"PATH", "/bin"}, {"MLOPS_STAGE", "outer"}};
    Executor executor(m_pipeline, m_graph, std::vector<bool>(m_pipeline.stages.size(), true),
                      runner, reporter, clock, options);
    return executor.run();
  }
  StageStatus status(const RunReport& report, const std::string& name) {
    for (size_t i = 0; i < m_pipeline.stages.size(); ++i) {
      if (m_pipeline.stages[i].name == name) {
        return report.stages[i].status;
      }
    }
    return StageStatus::NotSelected;
  }

  FakeClock clock;
  FakeRunner runner{clock};
  RecordingReporter reporter;
  Pipeline m_pipeline;
  Graph m_graph = Graph::build(Pipeline{});
};

TEST_F(ExecutorTest, RunsIndependentStagesInParallelUpToTheJobLimit) {
  load("  a: {run: x}\n  b: {run: x}\n  c: {run: x}\n  d: {run: x, needs: [a, b, c]}\n");
  RunReport report = run(2);
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_EQ(runner.max_concurrent, 2u);
  EXPECT_EQ(report.duration, 3000ms);  // a,b together, then c, then d
  EXPECT_EQ(runner.started.back(), "d");
}

TEST_F(ExecutorTest, StartsAStageTheMomentItsLastDependencyFinishes) {
  load("  slow: {run: x}\n  fast: {run: x}\n  after_fast: {run: x, needs: [fast]}\n");
  runner.script("slow", {{5000ms}});
  runner.script("fast", {{1000ms}});
  run(2);
  ASSERT_EQ(runner.started.size(), 3u);
  EXPECT_EQ(runner.started[2], "after_fast");
  EXPECT_EQ(runner.start_times[2] - runner.start_times[0], 1000ms);
}

TEST_F(ExecutorTest, RetriesWithTheDelayThenSucceeds) {
  load("  flaky: {run: x, retries: 2, retry_delay: 5s}\n");
  runner.script("flaky",
                {{1000ms, ProcessOutcome::Exited, 1}, {1000ms, ProcessOutcome::Exited, 0}});
  RunReport report = run(1);
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_EQ(report.stages[0].attempts, 2);
  EXPECT_EQ(runner.start_times[1] - runner.start_times[0], 6000ms);
  EXPECT_EQ(reporter.events,
            (std::vector<std::string>{"start flaky #1", "retry flaky", "start flaky #2",
                                      "succeeded flaky", "end"}));
}

TEST_F(ExecutorTest, GivesUpAfterTheLastRetry) {
  load("  bad: {run: x, retries: 2}\n");
  runner.script("bad", {{1000ms, ProcessOutcome::TimedOut, 0}});
  RunReport report = run(1);
  EXPECT_EQ(report.exit_code(), 1);
  EXPECT_EQ(report.stages[0].attempts, 3);
  EXPECT_EQ(runner.started.size(), 3u);
}

// The run's status and exit code: a failure outranks a rejection, an interruption both.
TEST(RunReportTest, StatusNameAndExitCodeAgree) {
  RunReport report;
  report.stages.resize(2);
  EXPECT_STREQ(report.status_name(), "succeeded");
  report.stages[0].status = StageStatus::Rejected;
  EXPECT_STREQ(report.status_name(), "rejected");
  EXPECT_EQ(report.exit_code(), 3);
  report.stages[1].status = StageStatus::Failed;
  EXPECT_STREQ(report.status_name(), "failed");
  EXPECT_EQ(report.exit_code(), 1);
  report.interrupt_signal = 15;
  EXPECT_STREQ(report.status_name(), "cancelled");
  EXPECT_EQ(report.exit_code(), 143);
}

TEST_F(ExecutorTest, FailureStopsNewStartsButNotRunningOnes) {
  load(
      "  bad: {run: x}\n  slow: {run: x}\n  next: {run: x, needs: [slow]}\n"
      "  child: {run: x, needs: [bad]}\n");
  runner.script("bad", {{1000ms, ProcessOutcome::Exited, 1}});
  runner.script("slow", {{3000ms}});
  RunReport report = run(2);
  EXPECT_EQ(report.exit_code(), 1);
  EXPECT_EQ(status(report, "slow"), StageStatus::Succeeded);
  EXPECT_EQ(status(report, "next"), StageStatus::Pending);
  EXPECT_EQ(status(report, "child"), StageStatus::Skipped);
  EXPECT_EQ(report.stages[3].note, "upstream bad failed");
}

TEST_F(ExecutorTest, KeepGoingRunsEverythingNotDownstream) {
  load(
      "  bad: {run: x}\n  slow: {run: x}\n  next: {run: x, needs: [slow]}\n"
      "  child: {run: x, needs: [bad]}\n");
  runner.script("bad", {{1000ms, ProcessOutcome::Exited, 1}});
  RunReport report = run(2, true);
  EXPECT_EQ(report.exit_code(), 1);
  EXPECT_EQ(status(report, "next"), StageStatus::Succeeded);
  EXPECT_EQ(status(report, "child"), StageStatus::Skipped);
}

TEST_F(ExecutorTest, InterruptCancelsRunningStagesAndStartsNothing) {
  load("  a: {run: x}\n  b: {run: x}\n  c: {run: x, needs: [a]}\n");
  runner.interrupt_after_starts(2, SIGINT);
  RunReport report = run(2);
  EXPECT_EQ(report.exit_code(), 130);
  EXPECT_EQ(runner.cancel_calls, 1u);
  EXPECT_EQ(status(report, "a"), StageStatus::Cancelled);
  EXPECT_EQ(status(report, "b"), StageStatus::Cancelled);
  EXPECT_EQ(status(report, "c"), StageStatus::Pending);
  EXPECT_EQ(runner.started.size(), 2u);
}

TEST_F(ExecutorTest, InterruptDuringARetryDelayCancelsTheRetry) {
  load("  flaky: {run: x, retries: 3, retry_delay: 1m}\n");
  runner.script("flaky", {{1000ms, ProcessOutcome::Exited, 1}});
  runner.interrupt_after_results(1, SIGTERM);
  // The first attempt fails; the interrupt arrives while the executor waits out the delay.
  RunReport report = run(1);
  EXPECT_EQ(report.exit_code(), 143);
  EXPECT_EQ(runner.started.size(), 1u);
  EXPECT_EQ(report.stages[0].status, StageStatus::Cancelled);
  EXPECT_LT(clock.now() - SteadyTime{}, std::chrono::steady_clock::duration(60s));
}

TEST_F(ExecutorTest, RequestsCarryCommandEnvironmentAndLogPath) {
  load(
      "  s: {cmd: [python3, t.py], env: {A: '1'}, workdir: sub, timeout: 10s}\n"
      "  t: {run: echo hi}\n");
  run(1);
  const ProcessRequest& s = runner.requests[0];
  EXPECT_EQ(s.argv, (std::vector<std::string>{"python3", "t.py"}));
  EXPECT_EQ(s.workdir, "/nonexistent-ws/sub");
  EXPECT_EQ(s.log_path, "/logs/s.log");
  EXPECT_EQ(s.timeout, std::optional<Milliseconds>(10000ms));
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(s.env, (Env{{"PATH", "/bin"},
                        {"MLOPS_STAGE", "s"},
                        {"A", "1"},
                        {"MLOPS_RUN_ID", "r1"},
                        {"MLOPS_PIPELINE", "p"},
                        {"MLOPS_ATTEMPT", "1"},
                        {"MLOPS_WORKSPACE", "/nonexistent-ws"}}));
  EXPECT_EQ(runner.requests[1].argv, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
}

TEST_F(ExecutorTest, ExportsEveryParameterAsAnEnvironmentVariable) {
  auto result = testing::load_text(
      "version: 1\nname: p\nparams: {lr: 0.10, train: {data-set: \"a b\"}}\n"
      "stages:\n  s: {run: echo}\n");
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  m_pipeline = std::move(*result.pipeline);
  m_graph = Graph::build(m_pipeline);
  run(1);
  const auto& env = runner.requests[0].env;
  auto value_of = [&](const std::string& key) {
    auto it = std::find_if(env.begin(), env.end(), [&](const auto& kv) { return kv.first == key; });
    return it == env.end() ? std::string("(unset)") : it->second;
  };
  EXPECT_EQ(value_of("MLOPS_PARAM_LR"), "0.10");
  EXPECT_EQ(value_of("MLOPS_PARAM_TRAIN_DATA_SET"), "a b");
}

TEST_F(ExecutorTest, TenThousandStagesScheduleQuickly) {
  std::string stages;
  for (int i = 0; i < 10000; ++i) {
    stages += "  s" + std::to_string(i) + ": {run: x" +
              (i > 0 ? ", needs: [s" + std::to_string(i / 2) + "]" : std::string()) + "}\n";
  }
  load(stages);
  RunReport report = run(8);
  EXPECT_EQ(report.count(StageStatus::Succeeded), 10000u);
  EXPECT_EQ(runner.max_concurrent, 8u);
}

}  // namespace
}  // namespace mlops
