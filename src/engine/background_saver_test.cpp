// Saving outputs in the background: the saver alone, and the run loop with
// RunOptions::save_in_background (the real executor, OutputCache, an in-memory store and a
// FakeRunner; the stages' outputs are written before the run).
#include "engine/background_saver.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "engine/executor.hpp"
#include "exec/fake_runner.hpp"
#include "spec/loader.hpp"
#include "store/sqlite_store.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

// Checks, as each stage is reported finished, that its outputs are recorded and cached already.
class FinishChecker final : public Reporter {
 public:
  explicit FinishChecker(ObjectStore& objects) : m_objects(objects) {}
  void stage_finished(const Stage& stage, const StageReport& report) override {
    events.push_back(std::string(stage_status_name(report.status)) + " " + stage.name);
    EXPECT_EQ(report.outputs.size(), stage.outs.size()) << stage.name;
    for (const auto& output : report.outputs) {
      EXPECT_TRUE(m_objects.has(output.digest, false)) << output.path;
    }
  }
  void warning(const Stage* stage, std::string_view message) override {
    events.push_back("warning " + (stage ? stage->name : "-") + ": " + std::string(message));
  }
  std::vector<std::string> events;

 private:
  ObjectStore& m_objects;
};

class BackgroundSaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    temp.emplace("mlops-background-save-test");
    dir = temp->path();
    auto opened = SqliteStore::open(":memory:");
    ASSERT_TRUE(opened.ok());
    store = std::move(*opened);
  }
  void write(const std::string& relative, const std::string& text) {
    std::ofstream(dir / relative, std::ios::binary) << text;
  }
  RunReport run(const std::string& stages, ObjectStore& objects, Reporter& reporter) {
    auto loaded = load_pipeline_text("version: 1\nname: p\nstages:\n" + stages, dir / "p.yaml", dir,
                                     LoadOptions{});
    EXPECT_TRUE(loaded.pipeline) << loaded.diagnostics[0].message;
    pipeline = std::move(*loaded.pipeline);
    Graph graph = Graph::build(pipeline);
    StoreDigestMemo memo(*store);
    OutputCache cache(*store, objects, memo, pipeline, OutputCacheOptions{});
    RunOptions options;
    options.run_id = "r1";
    options.jobs = 2;
    options.log_dir = dir / "logs";
    options.check_outputs = false;
    options.save_in_background = true;
    Executor executor(pipeline, graph, std::vector<bool>(pipeline.stages.size(), true), runner,
                      reporter, clock, options);
    executor.set_cache(&cache);
    RunReport report = executor.run();
    EXPECT_EQ(cache.finishing(), 0u);
    return report;
  }

  std::optional<testing::TempDir> temp;
  std::filesystem::path dir;
  std::unique_ptr<SqliteStore> store;
  Pipeline pipeline;
  FakeClock clock;
  FakeRunner runner{clock};
};

TEST_F(BackgroundSaveTest, TheSaverStoresEachOutputAndHandsBackWhatItLearnt) {
  write("a.txt", "first\n");
  write("b.txt", "second\n");
  ObjectStore objects(dir / "cache");
  BackgroundSaver saver(objects);
  saver.submit({0, {{dir / "a.txt", CacheLink::Copy}}, {}});
  saver.submit({1, {{dir / "b.txt", CacheLink::Copy}, {dir / "missing", CacheLink::Copy}}, {}});
  EXPECT_EQ(saver.pending(), 2u);
  std::vector<SaveJob> done;
  while (saver.pending() > 0) {
    for (auto& job : saver.take_done(true)) {
      done.push_back(std::move(job));
    }
  }
  ASSERT_EQ(done.size(), 2u);
  EXPECT_TRUE(saver.take_done(true).empty());  // nothing pending: returns at once
  for (const auto& job : done) {
    const auto& first = job.outputs[0].stored;
    ASSERT_TRUE(first.ok() && first->saved.ok());
    EXPECT_TRUE(objects.has(first->version.digest.hex(), false));
    ASSERT_EQ(job.learnt.size(), 1u);
    EXPECT_EQ(std::get<0>(job.learnt[0]), job.outputs[0].path.string());
    EXPECT_EQ(std::get<2>(job.learnt[0]), first->version.digest);
  }
  const SaveJob& second = done[0].stage == 1 ? done[0] : done[1];
  ASSERT_FALSE(second.outputs[1].stored.ok());
  EXPECT_EQ(second.outputs[1].stored.error().kind(), ErrorKind::NotFound);
}

TEST_F(BackgroundSaveTest, AStageFinishesOnlyOnceItsOutputsAreCached) {
  for (int i = 0; i < 6; ++i) {
    write("o" + std::to_string(i), std::string(100000, static_cast<char>('a' + i)));
  }
  ObjectStore objects(dir / "cache");
  FinishChecker checker(objects);
  std::string stages;
  for (int i = 0; i < 6; ++i) {
    stages += "  s" + std::to_string(i) + ": {run: x, outs: [o" + std::to_string(i) + "]}\n";
  }
  stages += "  last: {run: x, needs: [s0, s1, s2, s3, s4, s5]}\n";
  RunReport report = run(stages, objects, checker);
  EXPECT_EQ(checker.events.size(), 7u);
  for (const auto& stage : report.stages) {
    EXPECT_EQ(stage.status, StageStatus::Succeeded);
  }
  EXPECT_EQ(checker.events.back(), "succeeded last");  // released only after all six
}

TEST_F(BackgroundSaveTest, WhatCannotBeCachedIsAWarningBeforeTheStageEnds) {
  write("a.txt", "a\n");
  write("b.txt", "b\n");
  write("not-a-directory", "");
  ObjectStore objects(dir / "not-a-directory" / "cache");
  class Events final : public Reporter {
   public:
    void stage_finished(const Stage& stage, const StageReport& report) override {
      events.push_back(std::string(stage_status_name(report.status)) + " " + stage.name);
    }
    void warning(const Stage* stage, std::string_view message) override {
      events.push_back("warning " + stage->name + ": " + std::string(message).substr(0, 18));
    }
    std::vector<std::string> events;
  } reporter;
  RunReport report =
      run("  a: {run: x, outs: [a.txt]}\n  b: {run: x, outs: [b.txt]}\n", objects, reporter);
  std::vector<std::string> a_events;
  for (const auto& event : reporter.events) {
    if (event.find(" a") != std::string::npos) {
      a_events.push_back(event);
    }
  }
  EXPECT_EQ(a_events, (std::vector<std::string>{"warning a: cannot cache a.txt", "succeeded a"}));
  ASSERT_EQ(report.stages[0].outputs.size(), 1u);  // recorded all the same, by its digest
  EXPECT_EQ(report.stages[0].outputs[0].digest, digest_path(dir / "a.txt")->digest.hex());
}

}  // namespace
}  // namespace mlops
