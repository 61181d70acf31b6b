// The recorder driven by the real executor, a FakeRunner and an in-memory store.
#include "engine/run_recorder.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "engine/executor.hpp"
#include "engine/reporter_list.hpp"
#include "exec/fake_runner.hpp"
#include "spec/spec_test_util.hpp"
#include "store/sql_store.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

using namespace std::chrono_literals;

// Keeps the warnings it is told.
class WarningList final : public Reporter {
 public:
  void warning(const Stage* stage, std::string_view message) override {
    warnings.push_back((stage ? stage->name + ": " : std::string()) + std::string(message));
  }
  std::vector<std::string> warnings;
};

class RunRecorderTest : public ::testing::Test {
 protected:
  // Runs `stages` with the recorder and `warnings` beside it; without `begin`, the run row is
  // missing, so the store refuses the executions (a foreign key) and the recorder fails.
  void run(const std::string& stages, std::chrono::milliseconds stage_time, bool begin = true) {
    auto loaded = testing::load_text("version: 1\nname: p\nstages:\n" + stages);
    ASSERT_TRUE(loaded.pipeline) << loaded.diagnostics[0].message;
    pipeline = std::move(*loaded.pipeline);
    auto opened = SqlStore::open(":memory:");
    ASSERT_TRUE(opened.ok());
    store = std::move(*opened);
    RunRecord record;
    record.id = "r1";
    record.pipeline = "p";
    record.started_at = "2026-11-25T00:00:00.000Z";
    RunRecorder recorder(*store, pipeline, "r1");
    if (begin) {
      ASSERT_TRUE(recorder.begin(record).ok());
    }
    for (const auto& stage : pipeline.stages) {
      runner.script(stage.name,
                    {{stage_time, ProcessOutcome::Exited, stage.name == "bad" ? 1 : 0}});
    }
    Graph graph = Graph::build(pipeline);
    RunOptions options;
    options.run_id = "r1";
    options.jobs = 2;
    options.log_dir = "/logs";
    options.check_outputs = false;
    ReporterList reporters({&recorder, &warnings});
    Executor(pipeline, graph, std::vector<bool>(pipeline.stages.size(), true), runner, reporters,
             clock, options)
        .run();
    EXPECT_EQ(recorder.failed(), !begin);
  }

  FakeClock clock;
  FakeRunner runner{clock};
  Pipeline pipeline;
  std::unique_ptr<SqlStore> store;
  WarningList warnings;
};

TEST_F(RunRecorderTest, ShortStagesAreBatchedButAllRecorded) {
  run("  a: {run: x}\n  b: {run: x, needs: [a]}\n  c: {run: x, needs: [b]}\n"
      "  bad: {run: x, retries: 1}\n",
      10ms);
  auto executions = store->executions_of("r1");
  ASSERT_TRUE(executions.ok());
  // a, two attempts of bad, and b (running when bad failed); c never started.
  ASSERT_EQ(executions->size(), 4u);
  int failed = 0;
  for (const auto& execution : *executions) {
    EXPECT_TRUE(execution.ended_at.has_value()) << execution.stage;
    EXPECT_EQ(execution.command, "x");
    EXPECT_EQ(execution.log_path,
              std::optional<std::string>("/logs/" + execution.stage +
                                         (execution.attempt > 1 ? ".attempt-2" : "") + ".log"));
    failed += execution.status == "failed";
  }
  EXPECT_EQ(failed, 2);
  EXPECT_EQ((*store->find_run("r1"))->status, "failed");
}

TEST_F(RunRecorderTest, LongStagesAreWrittenWhileRunning) {
  run("  long: {run: x}\n", 60s);
  auto executions = store->executions_of("r1");
  ASSERT_EQ(executions->size(), 1u);
  EXPECT_EQ((*executions)[0].status, "succeeded");
  // The executor woke 100 ms after the start to let the recorder write it, not a minute later
  // when the stage ended.
  ASSERT_GE(runner.waits.size(), 2u);
  ASSERT_TRUE(runner.waits[0].has_value());
  EXPECT_EQ(*runner.waits[0] - runner.start_times[0], std::chrono::steady_clock::duration(100ms));
}

TEST_F(RunRecorderTest, AStoreErrorIsOneWarningToTheReportersBesideIt) {
  run("  a: {run: x}\n  b: {run: x, needs: [a]}\n", 200ms, /*begin=*/false);
  ASSERT_EQ(warnings.warnings.size(), 1u);
  EXPECT_TRUE(warnings.warnings[0].starts_with("recording run r1 in the metadata store failed: "))
      << warnings.warnings[0];
  EXPECT_TRUE(warnings.warnings[0].ends_with("; stages go on, but this run's record is incomplete"))
      << warnings.warnings[0];
}

}  // namespace
}  // namespace mlops
