// The Watcher's decisions, driven by hand: made-up steady time points, a fake launcher that only
// counts checks, a FakeWallClock for schedules, and the real store and files for peeking.
#include "app/watcher.hpp"

#include <gtest/gtest.h>

#include "app/pipeline_loading.hpp"
#include "app/workspace_test_util.hpp"
#include "triggers/evaluator.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

using namespace std::chrono_literals;

class FakeLauncher final : public CheckLauncher {
 public:
  Result<int> start(const std::filesystem::path& file) override {
    if (refuse) {
      return Error(ErrorKind::Io, "cannot fork");
    }
    started.push_back(file.filename().string());
    return next_id++;
  }
  void stop(int id) override { stopped.push_back(id); }

  bool refuse = false;
  int next_id = 1;
  std::vector<std::string> started;  // file names
  std::vector<int> stopped;
};

class FakeWatchEvents final : public WatchEvents {
 public:
  void log(const std::string& text) override { lines.push_back(text); }
  size_t count(const std::string& text) const {
    return std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(text) != std::string::npos;
    });
  }
  std::vector<std::string> lines;
};

std::string data_pipeline(const std::string& name, const std::string& policy) {
  return "version: 1\nname: " + name + "\nconcurrency: " + policy +
         "\ntriggers:\n  data: {paths: ['" + name +
         "/*.csv'], settle: 0s}\nstages:\n  s: {run: 'x'}\n";
}

class WatcherTest : public testing::WorkspaceTest {
 protected:
  // Writes each file and loads it, for the watcher's constructor.
  std::vector<std::pair<std::filesystem::path, Pipeline>> load(
      const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines;
    for (const auto& [name, text] : files) {
      write(name, text);
      LoadedPipeline loaded = load_checked_pipeline(root / name, LoadOptions{});
      EXPECT_TRUE(loaded.checked) << diagnostics_text(loaded);
      if (loaded.checked) {
        pipelines.emplace_back(root / name, std::move(loaded.checked->pipeline));
      }
    }
    return pipelines;
  }
  Watcher& watch(const std::vector<std::pair<std::string, std::string>>& files,
                 bool cancel_on_stop = true) {
    WatchOptions options;
    options.interval = 5000ms;
    options.cancel_on_stop = cancel_on_stop;
    watcher.emplace(load(files), options, launcher, clock, events);
    return *watcher;
  }
  // Makes `relative` look written a minute ago (the watcher waits on files written just now).
  void age(const std::string& relative) {
    std::filesystem::last_write_time(root / relative,
                                     std::filesystem::file_time_type::clock::now() - 1min);
  }

  const SteadyPoint t0 = SteadyPoint{} + 1h;
  FakeWallClock clock{*parse_utc_iso("2026-11-24T02:59:58Z")};
  FakeLauncher launcher;
  FakeWatchEvents events;
  std::optional<Watcher> watcher;
};

TEST_F(WatcherTest, PipelinesWithoutTriggersAreLeftOutWithAWarning) {
  Watcher& w = watch({{"plain.yaml", "version: 1\nname: plain\nstages:\n  s: {run: 'x'}\n"},
                      {"p.yaml", data_pipeline("p", "forbid")}});
  ASSERT_EQ(w.watched().size(), 1u);
  EXPECT_EQ(w.watched()[0].pipeline.name, "p");
  ASSERT_EQ(events.lines.size(), 2u);
  EXPECT_EQ(events.lines[0], "[watch] warning: " + (root / "plain.yaml").string() +
                                 " has no triggers; not watching it (add a 'triggers:' block, "
                                 "docs/triggers.md)");
  EXPECT_EQ(events.lines[1],
            "[watch] p (" + (root / "p.yaml").string() + "): data; concurrency forbid");
}

TEST_F(WatcherTest, ANewSettledFileStartsOneCheckAndQueueAllowsNoSecond) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "queue")}});
  EXPECT_EQ(w.look(t0), t0 + 5s);
  EXPECT_TRUE(launcher.started.empty());  // nothing there: nothing to do
  write("p/a.csv", "1\n");
  EXPECT_EQ(w.look(t0 + 1s), t0 + 5s);  // not time yet
  EXPECT_TRUE(launcher.started.empty());
  EXPECT_EQ(w.look(t0 + 5s), t0 + 10s);
  EXPECT_EQ(launcher.started, std::vector<std::string>{"p.yaml"});
  EXPECT_EQ(w.watched()[0].checks, std::vector<int>{1});
  w.look(t0 + 10s);
  EXPECT_EQ(launcher.started.size(), 1u);  // queue: the running check will see to it
}

TEST_F(WatcherTest, ForbidAllowsASecondCheckWhileOneRuns) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "forbid")}});
  write("p/a.csv", "1\n");
  w.look(t0);
  w.look(t0 + 5s);
  w.look(t0 + 10s);
  EXPECT_EQ(launcher.started.size(), 2u);
  EXPECT_EQ(w.watched()[0].checks, (std::vector<int>{1, 2}));
}

TEST_F(WatcherTest, AFailedCheckIsLoggedAndLookedAtAgainWithinASecond) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "queue")}});
  write("p/a.csv", "1\n");
  w.look(t0);
  ASSERT_EQ(launcher.started.size(), 1u);
  events.lines.clear();
  w.check_ended(1, 2, t0 + 2s);
  EXPECT_EQ(events.lines, std::vector<std::string>{"[watch] p: trigger check ended with exit "
                                                   "code 2"});
  EXPECT_TRUE(w.watched()[0].checks.empty());
  EXPECT_EQ(w.watched()[0].next_look, t0 + 3s);
  w.look(t0 + 3s);
  EXPECT_EQ(launcher.started.size(), 2u);
  w.check_ended(2, 0, t0 + 4s);
  EXPECT_EQ(events.lines.size(), 1u);  // a success is not logged
  w.check_ended(99, 1, t0 + 4s);       // not one of ours
  EXPECT_EQ(events.lines.size(), 1u);
}

TEST_F(WatcherTest, ACheckThatCannotStartIsLogged) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "queue")}});
  write("p/a.csv", "1\n");
  launcher.refuse = true;
  w.look(t0);
  EXPECT_TRUE(w.watched()[0].checks.empty());
  EXPECT_EQ(events.count("[watch] cannot start a trigger check for p: cannot fork"), 1u);
}

TEST_F(WatcherTest, DataArrivingMakesTheNextLookImmediate) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "queue")}});
  EXPECT_EQ(w.look(t0), t0 + 5s);
  write("p/a.csv", "1\n");
  w.data_arrived(0, t0 + 1s);
  EXPECT_EQ(w.watched()[0].next_look, t0 + 1s);
  EXPECT_EQ(w.look(t0 + 1s), t0 + 6s);
  EXPECT_EQ(launcher.started.size(), 1u);
  w.data_arrived(7, t0 + 2s);  // no such pipeline: ignored
}

TEST_F(WatcherTest, ABrokenEditIsLoggedOnceAndThePipelineIsNotCheckedUntilFixed) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "queue")}});
  write("p/a.csv", "1\n");
  write("p.yaml",
        "version: 1\nname: p\nstages:\n  s: {run: 'x', needs: [gone]}\n"
        "triggers:\n  data: {paths: ['p/*.csv'], settle: 0s}\n");
  w.look(t0);  // written just now: perhaps half-saved; judged later
  EXPECT_EQ(events.count("has errors"), 0u);
  age("p.yaml");
  w.look(t0 + 5s);
  w.look(t0 + 10s);
  EXPECT_EQ(events.count("[watch] " + (root / "p.yaml").string() +
                         " has errors; not checking it until they are fixed:"),
            1u);
  EXPECT_EQ(events.count("gone"), 1u);
  EXPECT_TRUE(launcher.started.empty());
  write("p.yaml", data_pipeline("p", "queue"));
  w.look(t0 + 15s);
  EXPECT_EQ(events.count("[watch] " + (root / "p.yaml").string() + " is fixed; watching it again"),
            1u);
  EXPECT_EQ(launcher.started.size(), 1u);
}

TEST_F(WatcherTest, AnEditIsPickedUpAtTheNextLook) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "queue")}});
  w.look(t0);
  write("p.yaml", data_pipeline("p", "forbid"));
  w.look(t0 + 5s);
  EXPECT_EQ(w.watched()[0].pipeline.concurrency, Concurrency::Forbid);
}

TEST_F(WatcherTest, StopWithCancelStopsEveryCheckAndFinishesWhenTheyEnd) {
  Watcher& w =
      watch({{"p.yaml", data_pipeline("p", "forbid")}, {"q.yaml", data_pipeline("q", "queue")}});
  write("p/a.csv", "1\n");
  write("q/a.csv", "1\n");
  w.look(t0);
  w.look(t0 + 5s);
  ASSERT_EQ(launcher.started, (std::vector<std::string>{"p.yaml", "q.yaml", "p.yaml"}));
  EXPECT_FALSE(w.finished());
  w.stop_requested("SIGTERM");
  EXPECT_TRUE(w.stopping());
  EXPECT_EQ(launcher.stopped, (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(events.count("[watch] SIGTERM received; cancelling running checks and runs"), 1u);
  EXPECT_EQ(w.look(t0 + 20s), t0 + 21s);  // stopping: nothing new is started
  EXPECT_EQ(launcher.started.size(), 3u);
  w.check_ended(1, 143, t0 + 21s);
  w.check_ended(2, 143, t0 + 21s);
  EXPECT_FALSE(w.finished());
  w.check_ended(3, 143, t0 + 21s);
  EXPECT_TRUE(w.finished());
}

TEST_F(WatcherTest, WithoutCancelTheFirstStopLetsChecksFinishAndTheSecondStopsThem) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "queue")}}, false);
  write("p/a.csv", "1\n");
  w.look(t0);
  w.stop_requested("SIGINT");
  EXPECT_TRUE(launcher.stopped.empty());
  EXPECT_EQ(events.count("[watch] SIGINT received; letting running runs finish (signal again to "
                         "cancel them)"),
            1u);
  EXPECT_FALSE(w.finished());
  w.stop_requested("SIGINT");
  EXPECT_EQ(launcher.stopped, std::vector<int>{1});
  EXPECT_EQ(events.count("received"), 1u);
  w.check_ended(1, 130, t0 + 1s);
  EXPECT_TRUE(w.finished());
}

TEST_F(WatcherTest, ALookReturnsTheIntervalOrAScheduledTimeIfEarlier) {
  Watcher& w = watch({{"p.yaml", data_pipeline("p", "queue")},
                      {"s.yaml",
                       "version: 1\nname: s\ntriggers:\n  schedule: {cron: '0 3 * * "
                       "*'}\nstages:\n  s: {run: 'x'}\n"}});
  // 02:59:58 on the wall clock: the schedule is due in 2 s (looked at 50 ms after).
  EXPECT_EQ(w.look(t0), t0 + 2050ms);
  EXPECT_EQ(w.watched()[0].next_look, t0 + 5s);
  EXPECT_EQ(w.watched()[1].next_look, t0 + 2050ms);
  EXPECT_EQ(launcher.started, std::vector<std::string>{"s.yaml"});  // a first look records
}

// A metric trigger: the watcher starts a check when the store has a new reading, and not on
// looks that would change nothing.
TEST_F(WatcherTest, ANewMetricReadingStartsACheckAndUnchangedLooksDoNot) {
  Watcher& w = watch({{"r.yaml",
                       "version: 1\nname: r\ntriggers:\n  metric:\n    source: {pipeline: m, "
                       "stage: score, metric: acc}\n    condition: {below: 0.8}\n    for: 2\n"
                       "stages:\n  s: {run: 'x'}\n"}});
  const Pipeline& pipeline = w.watched()[0].pipeline;
  // What the check the watcher started would write.
  auto settle = [&] {
    TriggerContext context{store(), "r", root, clock.now(), clock.now(), {}};
    PipelineEvaluation evaluation = evaluate_triggers(pipeline.triggers, context);
    ASSERT_FALSE(evaluation.fires());
    ASSERT_TRUE(store().advance_triggers(evaluation.quiet_advances(), "t").ok());
  };
  auto reading = [&](const std::string& run, double acc) {
    RunRecord record;
    record.id = run;
    record.pipeline = "m";
    record.started_at = format_utc_iso(clock.now());
    ASSERT_TRUE(store().begin_run(record).ok());
    ExecutionRecord execution{0, run, "score"};
    execution.started_at = record.started_at;
    auto id = store().begin_execution(execution);
    ASSERT_TRUE(id.ok());
    execution.id = *id;
    execution.status = "succeeded";
    ASSERT_TRUE(store().finish_execution({execution, {}, {}, {{"acc", acc}}}).ok());
    ASSERT_TRUE(store().finish_run(run, "succeeded", record.started_at).ok());
  };
  w.look(t0);
  ASSERT_EQ(launcher.started.size(), 1u);  // a first look records the state (NO_DATA)
  settle();
  w.check_ended(1, 0, t0 + 1s);
  w.look(t0 + 5s);
  EXPECT_EQ(launcher.started.size(), 1u);  // nothing new
  reading("m1", 0.7);
  w.look(t0 + 10s);
  ASSERT_EQ(launcher.started.size(), 2u);
  settle();  // PENDING(1)
  w.check_ended(2, 0, t0 + 11s);
  w.look(t0 + 15s);
  w.look(t0 + 20s);
  EXPECT_EQ(launcher.started.size(), 2u);  // the same reading does not start checks again
  EXPECT_EQ(store().trigger_evaluations("r", 10)->size(), 2u);
}

}  // namespace
}  // namespace mlops
