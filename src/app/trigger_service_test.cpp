// check_pipeline_triggers() in-process: each kind of trigger fires once and records its state,
// each concurrency policy with a run going, dry runs, and the pipeline order and read-only look
// that `trigger check` and the watcher use. Stages run on FileWritingRunner; schedules on a
// FakeWallClock.
#include "app/trigger_service.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "app/app_test_util.hpp"
#include "app/workspace_test_util.hpp"
#include "exec/process_table.hpp"
#include "git/git_test_repo.hpp"
#include "util/file_lock.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

using testing::FileWritingRunner;

WallTime at(const char* iso) {
  return *parse_utc_iso(iso);
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Keeps what a check says, and the runs it starts.
class RecordingEvents final : public TriggerEvents {
 public:
  void line(const std::string&, const std::string& text) override { lines.push_back(text); }
  void note(const std::string&, const std::string& text) override { notes.push_back(text); }
  void error(const std::string&, const std::string& text) override { errors.push_back(text); }
  RunObserver& run_observer() override { return m_observer; }

  std::vector<std::string> lines;
  std::vector<std::string> notes;
  std::vector<std::string> errors;

 private:
  RunObserver m_observer;
};

// FileWritingRunner that keeps every request it was given (across runs).
class RecordingRunner final : public Runner {
 public:
  RecordingRunner(const Pipeline& pipeline, std::vector<ProcessRequest>& requests)
      : m_inner(pipeline), m_requests(requests) {}
  void start(const ProcessRequest& request) override {
    m_requests.push_back(request);
    m_inner.start(request);
  }
  WaitResult wait(std::optional<SteadyTime> until) override { return m_inner.wait(until); }
  void cancel_all() override { m_inner.cancel_all(); }
  size_t active() const override { return m_inner.active(); }

 private:
  FileWritingRunner m_inner;
  std::vector<ProcessRequest>& m_requests;
};

std::string env_of(const ProcessRequest& request, const std::string& key) {
  for (const auto& [name, value] : request.env) {
    if (name == key) {
      return value;
    }
  }
  return "<unset>";
}

const char* k_data = R"(version: 1
name: p
concurrency: {policy}
triggers:
  data: {paths: ['data/**/*.csv'], settle: 0s}
stages:
  ingest: {run: 'ingest', deps: [data], outs: [out.txt]}
)";

class TriggerServiceTest : public testing::WorkspaceTest {
 protected:
  void SetUp() override {
    WorkspaceTest::SetUp();
    seams.clock = &clock;
    seams.run.make_runner = [this](const Pipeline& pipeline, OutputSink&) {
      return std::make_unique<RecordingRunner>(pipeline, requests);
    };
  }
  // Writes `name`.yaml and loads it.
  Pipeline pipeline(const std::string& name, const std::string& text) {
    write(name + ".yaml", text);
    LoadedPipeline loaded = load_checked_pipeline(root / (name + ".yaml"), LoadOptions{});
    EXPECT_TRUE(loaded.checked) << diagnostics_text(loaded);
    return loaded.checked ? loaded.checked->pipeline : Pipeline{};
  }
  Pipeline data_pipeline(const std::string& policy = "queue") {
    std::string text = k_data;
    text.replace(text.find("{policy}"), 8, policy);
    return pipeline("p", text);
  }
  PipelineCheck check(const Pipeline& p, bool dry_run = false) {
    events = RecordingEvents();
    TriggerCheckOptions options;
    options.dry_run = dry_run;
    options.jobs = 1;
    return check_pipeline_triggers(root / (p.name + ".yaml"), p, options, events, seams);
  }
  std::vector<RunRecord> runs(const std::string& pipeline) {
    auto listed = store().list_runs({pipeline, std::nullopt, 100});
    EXPECT_TRUE(listed.ok());
    return listed.ok() ? *listed : std::vector<RunRecord>{};
  }
  std::vector<TriggerState> states(const std::string& pipeline) {
    auto listed = store().trigger_states(pipeline);
    EXPECT_TRUE(listed.ok());
    return listed.ok() ? *listed : std::vector<TriggerState>{};
  }
  // A run of p "going": its pipeline lock held, a running row in the store (on another host).
  FileLock hold_going_run() {
    auto lock = FileLock::try_acquire(space->pipeline_lock_path("p"));
    EXPECT_TRUE(lock.ok() && lock->has_value());
    record_run("r-going", "p", "2026-11-24T00:00:00.000Z", {}, "running");
    return std::move(**lock);
  }
  // The check fired once for data and ran its stage; returns the run's id.
  std::string expect_data_run(const PipelineCheck& done) {
    EXPECT_EQ(done.action, "ran") << ::testing::PrintToString(events.lines);
    EXPECT_EQ(done.exit_code, 0);
    EXPECT_EQ(done.fired, std::vector<std::string>{"data: 2 new files under data: new "
                                                   "data/a.csv, data/b.csv"});
    EXPECT_EQ(done.runs.size(), 1u);
    return done.runs.empty() ? "" : done.runs.front();
  }

  FakeWallClock clock{at("2026-11-24T01:00:00Z")};
  TriggerSeams seams;
  RecordingEvents events;
  std::vector<ProcessRequest> requests;
};

TEST_F(TriggerServiceTest, DataLandingFiresOneRunAndRecordsItsState) {
  Pipeline p = data_pipeline();
  write("data/a.csv", "1\n");
  write("data/b.csv", "2\n");
  write("data/ignored.txt", "x\n");
  PipelineCheck first = check(p);
  std::string run_id = expect_data_run(first);
  EXPECT_TRUE(contains(events.lines, "started run " + run_id + " (cause: data)"));
  EXPECT_TRUE(contains(events.lines, "run " + run_id + " succeeded"));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].label, "ingest");
  EXPECT_EQ(env_of(requests[0], "MLOPS_TRIGGER"), "data");
  auto recorded = runs("p");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].cause, "data");
  EXPECT_EQ(recorded[0].status, "succeeded");
  auto state = states("p");
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].run_id, run_id);
  EXPECT_NE(state[0].state_json.find("data/b.csv"), std::string::npos);

  PipelineCheck second = check(p);
  EXPECT_EQ(second.action, "none");
  EXPECT_TRUE(second.runs.empty());
  EXPECT_TRUE(contains(second.notes, "nothing to do"));
  EXPECT_EQ(runs("p").size(), 1u);
  EXPECT_EQ(requests.size(), 1u);
}

TEST_F(TriggerServiceTest, ADryRunSaysWouldRunAndWritesNothing) {
  Pipeline p = data_pipeline();
  write("data/a.csv", "1\n");
  write("data/b.csv", "2\n");
  PipelineCheck dry = check(p, true);
  EXPECT_EQ(dry.action, "would-run");
  EXPECT_EQ(dry.fired.size(), 1u);
  EXPECT_TRUE(dry.runs.empty());
  EXPECT_TRUE(contains(events.lines, "would start a run (dry run"));
  EXPECT_TRUE(requests.empty());
  EXPECT_TRUE(runs("p").empty());
  EXPECT_TRUE(states("p").empty());
  EXPECT_FALSE(std::filesystem::exists(root / "out.txt"));
  expect_data_run(check(p));  // nothing was consumed
}

TEST_F(TriggerServiceTest, ADryRunOfANewWorkspaceCreatesNoStore) {
  Pipeline p = data_pipeline();
  write("data/a.csv", "1\n");
  write("data/b.csv", "2\n");
  space.reset();
  std::filesystem::remove_all(root / ".mlops");
  std::filesystem::create_directories(root / ".mlops");
  EXPECT_EQ(check(p, true).action, "would-run");
  EXPECT_FALSE(std::filesystem::exists(root / ".mlops" / "store.db"));
}

const char* k_schedule = R"(version: 1
name: p
triggers:
  schedule: {cron: '{cron}', catchup: {catchup}}
stages:
  report: {run: 'report', always_run: true}  # else up to date after the first run
)";

class ScheduleTriggerServiceTest : public TriggerServiceTest {
 protected:
  Pipeline schedule(const std::string& cron, const std::string& catchup) {
    std::string text = k_schedule;
    text.replace(text.find("{cron}"), 6, cron);
    text.replace(text.find("{catchup}"), 9, catchup);
    return pipeline("p", text);
  }
  std::vector<std::string> scheduled_times() {
    std::vector<std::string> times;
    for (const auto& request : requests) {
      times.push_back(env_of(request, "MLOPS_SCHEDULED_TIME"));
    }
    return times;
  }
};

TEST_F(ScheduleTriggerServiceTest, NothingDueThenADueTimeFiresOnce) {
  Pipeline p = schedule("0 3 * * *", "latest");
  PipelineCheck first = check(p);  // 01:00: starts counting
  EXPECT_EQ(first.action, "none");
  EXPECT_TRUE(first.runs.empty());
  ASSERT_EQ(states("p").size(), 1u);
  clock.advance(std::chrono::minutes(119));  // 02:59
  EXPECT_EQ(check(p).action, "none");
  clock.advance(std::chrono::seconds(90));  // 03:00:30
  PipelineCheck due = check(p);
  EXPECT_EQ(due.action, "ran");
  EXPECT_EQ(due.fired, std::vector<std::string>{"schedule: 2026-11-24 03:00 UTC (2026-11-24 "
                                                "03:00 UTC) was due (0 3 * * *, catchup latest)"});
  ASSERT_EQ(due.runs.size(), 1u);
  EXPECT_EQ(scheduled_times(),
            std::vector<std::string>{format_utc_iso(at("2026-11-24T03:00:00Z"))});
  EXPECT_EQ(env_of(requests[0], "MLOPS_TRIGGER"), "schedule");
  auto recorded = runs("p");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].cause, "schedule");
  EXPECT_EQ(states("p")[0].run_id, due.runs[0]);
  clock.advance(std::chrono::minutes(10));
  EXPECT_EQ(check(p).action, "none");
  EXPECT_EQ(runs("p").size(), 1u);
}

TEST_F(ScheduleTriggerServiceTest, CatchupLatestRunsOnceForTheMissedTimes) {
  Pipeline p = schedule("0 * * * *", "latest");
  clock.advance(-std::chrono::minutes(30));  // 00:30
  check(p);
  clock.advance(std::chrono::minutes(160));  // 03:10: 01:00, 02:00 and 03:00 missed
  PipelineCheck caught_up = check(p);
  EXPECT_EQ(caught_up.action, "ran");
  ASSERT_EQ(caught_up.fired.size(), 1u);
  EXPECT_NE(caught_up.fired[0].find("2 earlier missed times skipped"), std::string::npos)
      << caught_up.fired[0];
  EXPECT_EQ(scheduled_times(),
            std::vector<std::string>{format_utc_iso(at("2026-11-24T03:00:00Z"))});
  EXPECT_EQ(check(p).action, "none");
  EXPECT_EQ(runs("p").size(), 1u);
}

TEST_F(ScheduleTriggerServiceTest, CatchupAllRunsEveryMissedTimeInOneCheck) {
  Pipeline p = schedule("0 * * * *", "all");
  clock.advance(-std::chrono::minutes(30));  // 00:30
  check(p);
  clock.advance(std::chrono::minutes(160));  // 03:10
  PipelineCheck caught_up = check(p);
  EXPECT_EQ(caught_up.action, "ran");
  EXPECT_EQ(caught_up.runs.size(), 3u);
  EXPECT_EQ(scheduled_times(),
            (std::vector<std::string>{format_utc_iso(at("2026-11-24T01:00:00Z")),
                                      format_utc_iso(at("2026-11-24T02:00:00Z")),
                                      format_utc_iso(at("2026-11-24T03:00:00Z"))}));
  EXPECT_EQ(check(p).action, "none");
  EXPECT_EQ(runs("p").size(), 3u);
}

const char* k_features = R"(version: 1
name: features
stages:
  publish: {run: 'publish', deps: [raw.txt], outs: [data/features.csv]}
)";

const char* k_training = R"(version: 1
name: training
triggers:
  artifact: {pipeline: features, path: data/features.csv}
stages:
  train: {run: 'train', deps: [data/features.csv], outs: [model.txt]}
)";

TEST_F(TriggerServiceTest, ANewUpstreamVersionFiresTheDownstreamOnce) {
  pipeline("features", k_features);
  Pipeline training = pipeline("training", k_training);
  auto run_features = [&](bool force) {
    RunRequest request;
    request.pipeline = root / "features.yaml";
    request.jobs = 1;
    request.force = force;
    RunObserver observer;
    RunOutcome outcome = run_pipeline(request, observer, seams.run);
    EXPECT_EQ(outcome.exit_code(), 0);
    return outcome.run_id;
  };
  write("raw.txt", "v1\n");
  std::string upstream = run_features(false);
  PipelineCheck fired = check(training);
  EXPECT_EQ(fired.action, "ran");
  ASSERT_EQ(fired.fired.size(), 1u);
  EXPECT_TRUE(fired.fired[0].starts_with("artifact: features wrote a new data/features.csv (run " +
                                         upstream + ", "))
      << fired.fired[0];
  ASSERT_EQ(fired.runs.size(), 1u);
  EXPECT_EQ(runs("training")[0].cause, "artifact");
  EXPECT_EQ(read("model.txt"), "train\npublish\nv1\n");
  EXPECT_EQ(check(training).action, "none");

  run_features(true);  // the same bytes again
  EXPECT_EQ(check(training).action, "none");
  EXPECT_EQ(runs("training").size(), 1u);

  write("raw.txt", "v2\n");
  run_features(false);
  EXPECT_EQ(check(training).action, "ran");
  EXPECT_EQ(read("model.txt"), "train\npublish\nv2\n");
  EXPECT_EQ(runs("training").size(), 2u);
}

TEST_F(TriggerServiceTest, ForbidSkipsAndConsumesTheEvents) {
  Pipeline p = data_pipeline("forbid");
  write("data/a.csv", "1\n");
  write("data/b.csv", "2\n");
  std::optional<FileLock> going = hold_going_run();
  PipelineCheck skipped = check(p);
  EXPECT_EQ(skipped.action, "skipped");
  EXPECT_TRUE(skipped.runs.empty());
  EXPECT_TRUE(contains(events.lines, "skipped: run r-going is still going (concurrency: forbid)"));
  EXPECT_TRUE(requests.empty());
  EXPECT_EQ(states("p").size(), 1u);
  going.reset();
  PipelineCheck after = check(p);
  EXPECT_EQ(after.action, "none");
  EXPECT_TRUE(requests.empty());
  EXPECT_EQ(runs("p").size(), 1u);  // the going one only
}

TEST_F(TriggerServiceTest, QueueWaitsForTheRunningRunAndThenRuns) {
  Pipeline p = data_pipeline("queue");
  write("data/a.csv", "1\n");
  write("data/b.csv", "2\n");
  std::optional<FileLock> going = hold_going_run();
  auto begin = std::chrono::steady_clock::now();
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    going.reset();
  });
  PipelineCheck queued = check(p);
  auto waited = std::chrono::steady_clock::now() - begin;
  finisher.join();
  expect_data_run(queued);
  EXPECT_GE(waited, std::chrono::milliseconds(100));
  EXPECT_TRUE(contains(events.lines, "waiting for run r-going to finish (concurrency: queue)"));
  EXPECT_EQ(requests.size(), 1u);
  EXPECT_EQ(check(p).action, "none");
}

// A running run of "p" whose mlops is `child` (start time as recorded, or `start_offset` ticks
// off it), its pipeline and run locks held; `going` is released when `child` ends (after 2 s at
// the latest, when it is SIGKILLed).
struct GoingRun {
  pid_t child = -1;
  int status = 0;
  std::optional<FileLock> going;
  std::optional<FileLock> run_lock;
  std::thread owner;
};

void start_going_run(Workspace& space, MetadataStore& store, GoingRun& run, int64_t start_offset) {
  run.child = ::fork();
  ASSERT_GE(run.child, 0);
  if (run.child == 0) {
    ::alarm(10);  // never outlives a broken test
    for (;;) {
      ::pause();
    }
  }
  auto pipeline_lock = FileLock::try_acquire(space.pipeline_lock_path("p"));
  ASSERT_TRUE(pipeline_lock.ok() && pipeline_lock->has_value());
  run.going = std::move(**pipeline_lock);
  auto run_lock = FileLock::try_acquire(space.run_lock_path("r-going"));  // its mlops is alive
  ASSERT_TRUE(run_lock.ok() && run_lock->has_value());
  run.run_lock = std::move(**run_lock);
  RunRecord record;
  record.id = "r-going";
  record.pipeline = "p";
  record.host = host_name();
  record.owner_pid = run.child;
  auto info = read_process_info(run.child);
  ASSERT_TRUE(info.has_value());
  record.owner_start_ticks = static_cast<int64_t>(info->start_ticks) + start_offset;
  record.boot_id = boot_id();
  record.started_at = "2026-11-24T00:00:00.000Z";
  ASSERT_TRUE(store.begin_run(record).ok());
  run.owner = std::thread([&run] {  // the running run ends when its mlops dies
    for (int i = 0; i < 400 && ::waitpid(run.child, &run.status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (::kill(run.child, 0) == 0) {
      ::kill(run.child, SIGKILL);
      ::waitpid(run.child, &run.status, 0);
    }
    run.going.reset();
  });
}

TEST_F(TriggerServiceTest, ReplaceStopsTheRunningRunThenRuns) {
  Pipeline p = data_pipeline("replace");
  write("data/a.csv", "1\n");
  write("data/b.csv", "2\n");
  GoingRun run;
  start_going_run(*space, store(), run, 0);
  PipelineCheck replaced = check(p);
  run.owner.join();
  EXPECT_TRUE(WIFSIGNALED(run.status));
  EXPECT_EQ(WTERMSIG(run.status), SIGTERM);
  EXPECT_TRUE(contains(events.lines, "cancelling run r-going (mlops pid " +
                                         std::to_string(run.child) +
                                         ") to start a new one (concurrency: replace)"))
      << ::testing::PrintToString(events.lines);
  expect_data_run(replaced);
}

// The pid recorded with a running run now names another process (its start time differs):
// replace must not signal it, and waits for the run's lock instead.
TEST_F(TriggerServiceTest, ReplaceNeverSignalsAProcessThatReusedTheOwnersPid) {
  Pipeline p = data_pipeline("replace");
  write("data/a.csv", "1\n");
  write("data/b.csv", "2\n");
  GoingRun run;
  start_going_run(*space, store(), run, -1);
  PipelineCheck replaced = check(p);
  run.owner.join();
  EXPECT_TRUE(WIFSIGNALED(run.status));
  EXPECT_EQ(WTERMSIG(run.status), SIGKILL) << "replace signalled a process that reused the pid";
  EXPECT_TRUE(contains(events.lines,
                       "waiting for run r-going to finish (concurrency: replace, "
                       "but pid " +
                           std::to_string(run.child) +
                           " is not that run's mlops process any more)"))
      << ::testing::PrintToString(events.lines);
  expect_data_run(replaced);
}

TEST_F(TriggerServiceTest, UpstreamPipelinesAreLoadedFirst) {
  write("training.yaml", k_training);
  write("broken.yaml", "version: 1\nname: [\n");
  std::string features = k_features;
  features += "triggers:\n  data: {paths: [raw.txt]}\n";
  write("features.yaml", features);
  TriggeredPipelines loaded = load_triggered_pipelines(
      {root / "training.yaml", root / "broken.yaml", root / "features.yaml"});
  std::vector<std::string> names;
  for (const auto& [file, pipeline] : loaded.pipelines) {
    names.push_back(pipeline.name + " " + file.filename().string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"features features.yaml", "training training.yaml"}));
  ASSERT_EQ(loaded.invalid.size(), 1u);
  EXPECT_EQ(loaded.invalid[0].file.filename(), "broken.yaml");
  EXPECT_FALSE(loaded.none_found);
}

TEST_F(TriggerServiceTest, PeekActsOnNewFilesAndWritesNothing) {
  Pipeline p = data_pipeline();
  std::filesystem::path missing = root / "elsewhere" / "none.db";
  EXPECT_TRUE(peek_pipeline_triggers(p, missing, clock).act);  // a first look would record
  EXPECT_FALSE(std::filesystem::exists(missing));
  Peek quiet = peek_pipeline_triggers(p, std::nullopt, clock);
  EXPECT_FALSE(quiet.act);
  EXPECT_FALSE(quiet.wake_at);
  EXPECT_TRUE(quiet.errors.empty());
  write("data/a.csv", "1\n");
  EXPECT_TRUE(peek_pipeline_triggers(p, std::nullopt, clock).act);
  EXPECT_TRUE(states("p").empty());
  EXPECT_TRUE(runs("p").empty());
}

TEST_F(TriggerServiceTest, PeekWakesAtTheNextScheduledTimeOrWhenAFileSettles) {
  Pipeline scheduled = pipeline("s", R"(version: 1
name: s
triggers:
  schedule: {cron: '0 3 * * *'}
stages:
  report: {run: 'report'}
)");
  Peek peek = peek_pipeline_triggers(scheduled, std::nullopt, clock);
  EXPECT_TRUE(peek.act);  // records the minute it starts counting from
  ASSERT_TRUE(peek.wake_at);
  EXPECT_EQ(*peek.wake_at, at("2026-11-24T03:00:00Z"));

  Pipeline settling = pipeline("d", R"(version: 1
name: d
triggers:
  data: {paths: ['data/*.csv'], settle: 1h}
stages:
  ingest: {run: 'ingest', deps: [data], outs: [out.txt]}
)");
  write("data/a.csv", "1\n");
  peek = peek_pipeline_triggers(settling, std::nullopt, clock);
  EXPECT_FALSE(peek.act);
  ASSERT_TRUE(peek.wake_at);
  auto in = *peek.wake_at - std::chrono::system_clock::now();  // the file clock, not the fake
  EXPECT_GT(in, std::chrono::minutes(59));
  EXPECT_LE(in, std::chrono::minutes(60));
}

class GitTriggerServiceTest : public GitTestRepo {
 protected:
  void commit(const std::string& file, const std::string& text) {
    write(file, text);
    git("add " + file);
    git("commit -q -m " + file);
  }
};

TEST_F(GitTriggerServiceTest, ACommitTouchingAWatchedPathFiresOnce) {
  git("init");
  commit("src/model.py", "1");
  write("p.yaml", R"(version: 1
name: p
triggers:
  git: {branch: main, paths: ['src/**']}
stages:
  train: {run: 'train', deps: [src/model.py], outs: [model.txt]}
)");
  LoadedPipeline loaded = load_checked_pipeline(m_dir / "p.yaml", LoadOptions{});
  ASSERT_TRUE(loaded.checked) << diagnostics_text(loaded);
  const Pipeline& p = loaded.checked->pipeline;
  ASSERT_EQ(p.workspace, m_dir);
  FakeWallClock clock(at("2026-11-24T01:00:00Z"));
  TriggerSeams seams;
  seams.clock = &clock;
  seams.run.make_runner = [](const Pipeline& pipeline, OutputSink&) {
    return std::make_unique<FileWritingRunner>(pipeline);
  };
  TriggerCheckOptions options;
  options.jobs = 1;
  RecordingEvents events;
  EXPECT_EQ(check_pipeline_triggers(m_dir / "p.yaml", p, options, events, seams).action, "none");
  commit("README", "not watched");
  EXPECT_EQ(check_pipeline_triggers(m_dir / "p.yaml", p, options, events, seams).action, "none");
  commit("src/model.py", "2");
  PipelineCheck fired = check_pipeline_triggers(m_dir / "p.yaml", p, options, events, seams);
  EXPECT_EQ(fired.action, "ran");
  ASSERT_EQ(fired.fired.size(), 1u);
  EXPECT_TRUE(fired.fired[0].starts_with("git: 1 new commit on main touching src/model.py"))
      << fired.fired[0];
  std::ifstream model(m_dir / "model.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(model), {}), "train\n2");
  EXPECT_EQ(check_pipeline_triggers(m_dir / "p.yaml", p, options, events, seams).action, "none");
  auto store = SqlStore::open((m_dir / ".mlops" / "store.db").string());
  ASSERT_TRUE(store.ok());
  auto runs = (*store)->list_runs({"p", std::nullopt, 10});
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().cause, "git");
}

}  // namespace
}  // namespace mlops
