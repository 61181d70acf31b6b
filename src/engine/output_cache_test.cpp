// The output cache inside the run loop: the real executor, OutputCache, an in-memory store, a
// FakeRunner and a workspace in a temporary directory. The cache never prints: what it has to
// warn about reaches the reporter.
#include "engine/output_cache.hpp"

#include <unistd.h>

#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "engine/executor.hpp"
#include "exec/fake_runner.hpp"
#include "spec/loader.hpp"
#include "store/sql_store.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

// Records warnings and stage ends, in order; `on_start` runs when a stage starts (while it "runs").
class WarningRecorder final : public Reporter {
 public:
  void stage_started(const Stage&, int, int, const ProcessRequest&, const StageReport&) override {
    if (on_start) {
      on_start();
    }
  }
  void stage_finished(const Stage& stage, const StageReport& report) override {
    events.push_back(std::string(stage_status_name(report.status)) + " " + stage.name);
  }
  void warning(const Stage* stage, std::string_view message) override {
    events.push_back("warning " + (stage ? stage->name : "-") + ": " + std::string(message));
  }
  std::function<void()> on_start;
  std::vector<std::string> events;
};

class OutputCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    temp.emplace("mlops-output-cache-test");
    dir = temp->path();
    auto opened = SqlStore::open(":memory:");
    ASSERT_TRUE(opened.ok());
    store = std::move(*opened);
  }
  void TearDown() override { temp.reset(); }

  void write(const std::string& relative, const std::string& text) {
    std::ofstream(dir / relative, std::ios::binary) << text;
  }

  RunReport run(const std::string& stages, const std::filesystem::path& cache_root) {
    auto loaded = load_pipeline_text("version: 1\nname: p\nstages:\n" + stages, dir / "p.yaml", dir,
                                     LoadOptions{});
    EXPECT_TRUE(loaded.pipeline) << loaded.diagnostics[0].message;
    pipeline = std::move(*loaded.pipeline);
    Graph graph = Graph::build(pipeline);
    ObjectStore objects(cache_root);
    StoreDigestMemo memo(*store);
    OutputCache cache(*store, objects, memo, pipeline, OutputCacheOptions{});
    RunOptions options;
    options.run_id = "r1";
    options.jobs = 1;
    options.log_dir = dir / "logs";
    options.check_outputs = false;
    Executor executor(pipeline, graph, std::vector<bool>(pipeline.stages.size(), true), runner,
                      reporter, clock, options);
    executor.set_cache(&cache);
    return executor.run();
  }

  std::optional<testing::TempDir> temp;
  std::filesystem::path dir;
  std::unique_ptr<SqlStore> store;
  Pipeline pipeline;
  FakeClock clock;
  FakeRunner runner{clock};
  WarningRecorder reporter;
};

TEST_F(OutputCacheTest, DepChangedWhileItRanIsAWarningToTheReporter) {
  write("dep.txt", "version 1\n");
  write("out.txt", "model\n");
  reporter.on_start = [&] { write("dep.txt", "version 2, longer\n"); };
  RunReport report = run("  train: {run: x, deps: [dep.txt], outs: [out.txt]}\n", dir / "cache");
  // Told once, before the stage's end, with the text the terminal has always shown.
  EXPECT_EQ(reporter.events,
            (std::vector<std::string>{"warning train: deps changed while it ran: dep.txt; its "
                                      "outputs are not recorded and it will run again",
                                      "succeeded train"}));
  EXPECT_TRUE(report.stages[0].warnings.empty());
  EXPECT_TRUE(report.stages[0].fingerprint.empty());
}

TEST_F(OutputCacheTest, AnOutputThatCannotBeCachedIsAWarningToTheReporter) {
  write("out.txt", "model\n");
  write("not-a-directory", "");
  RunReport report = run("  train: {run: x, outs: [out.txt]}\n", dir / "not-a-directory" / "c");
  ASSERT_EQ(reporter.events.size(), 2u);
  EXPECT_TRUE(reporter.events[0].starts_with("warning train: cannot cache out.txt: "))
      << reporter.events[0];
  EXPECT_EQ(reporter.events[1], "succeeded train");
  EXPECT_EQ(report.stages[0].status, StageStatus::Succeeded);
}

TEST_F(OutputCacheTest, NothingToWarnAboutTellsTheReporterNothing) {
  write("dep.txt", "data\n");
  write("out.txt", "model\n");
  run("  train: {run: x, deps: [dep.txt], outs: [out.txt]}\n", dir / "cache");
  EXPECT_EQ(reporter.events, std::vector<std::string>{"succeeded train"});
}

}  // namespace
}  // namespace mlops
