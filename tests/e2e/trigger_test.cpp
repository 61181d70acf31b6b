// Triggers end to end: `mlops trigger check`, `trigger next` and `watch` on real pipeline files,
// a real git repository, real data files and the store, with the clock injected for schedules.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_features = R"(version: 1
name: features
triggers:
  data: {paths: ["data/raw/**/*.csv"], settle: 0s}
stages:
  featurize:
    run: >-
      cat data/raw/*.csv > data/features.csv &&
      cp "$MLOPS_CHANGED_DEPS" seen-changed.txt
    deps: [data/raw]
    outs: [data/features.csv]
    incremental: true
)";

constexpr const char* k_training = R"(version: 1
name: training
triggers:
  artifact: {pipeline: features, path: data/features.csv}
stages:
  train:
    run: wc -l < data/features.csv > model.txt
    deps: [data/features.csv]
    outs: [model.txt]
)";

constexpr const char* k_git_pipeline = R"(version: 1
name: training
triggers:
  git: {branch: main, paths: ["src/train/**", "pipelines/training.yaml"]}
stages:
  train: {run: "cat src/train/model.py > model.txt", deps: [src/train], outs: [model.txt]}
)";

bool git_available() {
  return std::system("git --version > /dev/null 2>&1") == 0;
}

class TriggerTest : public ::testing::Test {
 protected:
  CommandResult mlops(std::vector<std::string> args, std::vector<std::string> env = {}) {
    env.push_back("MLOPS_ENABLE_TEST_HOOKS=1");
    return run_mlops(args, {ws.path(), env, std::nullopt});
  }
  CommandResult check(std::vector<std::string> args = {}, std::vector<std::string> env = {}) {
    args.insert(args.begin(), {"trigger", "check"});
    return mlops(args, env);
  }
  CommandResult check_at(const std::string& now, std::vector<std::string> args = {}) {
    return check(args, {"MLOPS_TEST_NOW=" + now});
  }
  void git(const std::string& args) {
    std::string command = "cd '" + ws.path().string() +
                          "' && git -c user.name=t -c user.email=t@example.invalid "
                          "-c init.defaultBranch=main " +
                          args + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void commit(const std::string& file, const std::string& text) {
    ws.write(file, text);
    git("add -A");
    git("commit -q -m 'edit " + file + "'");
  }
  // A git repository holding the git-triggered training pipeline and a first commit of its code.
  void init_git_workspace() {
    ws.write(".gitignore", ".mlops/\nmodel.txt\n");
    ws.write("pipelines/training.yaml", k_git_pipeline);
    git("init -q");
    commit("src/train/model.py", "v1");
  }
  int runs_of(const std::string& pipeline) {
    if (!ws.exists(".mlops/store.db")) {
      return 0;
    }
    return std::stoi(query_value(store(),
                                 "SELECT count(*) FROM runs r JOIN pipelines p ON p.id = "
                                 "r.pipeline_id WHERE p.name = '" +
                                     pipeline + "'"));
  }
  std::filesystem::path store() const { return ws / ".mlops/store.db"; }
  Workspace ws;
};

// ---- git -------------------------------------------------------------------------------------

TEST_F(TriggerTest, GitCommitTouchingAWatchedPathFiresAndOthersAreIgnored) {
  if (!git_available()) {
    GTEST_SKIP() << "git is not installed";
  }
  init_git_workspace();
  auto first = check();
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("git: first check; watching main from"), std::string::npos) << first.out;
  EXPECT_EQ(runs_of("training"), 0);

  commit("README.md", "docs only");
  auto ignored = check();
  EXPECT_EQ(ignored.exit_code, 0);
  EXPECT_NE(ignored.out.find("1 new commit on main ("), std::string::npos) << ignored.out;
  EXPECT_NE(ignored.out.find("touch no watched path; ignored"), std::string::npos) << ignored.out;
  EXPECT_EQ(runs_of("training"), 0);

  commit("src/train/model.py", "v2");
  auto fired = check();
  ASSERT_EQ(fired.exit_code, 0) << fired.out << fired.err;
  EXPECT_NE(fired.out.find("git: 1 new commit on main touching src/train/model.py"),
            std::string::npos)
      << fired.out;
  EXPECT_EQ(ws.read("model.txt"), "v2");
  EXPECT_EQ(runs_of("training"), 1);
  std::string head = query_value(store(), "SELECT cause_detail FROM runs");
  auto detail = nlohmann::json::parse(head);
  EXPECT_EQ(detail["triggers"][0]["commit"].get<std::string>().size(), 40u);
  EXPECT_EQ(query_value(store(), "SELECT cause FROM runs"), "git");

  auto again = check();
  EXPECT_NE(again.out.find("nothing to do"), std::string::npos);
  EXPECT_EQ(runs_of("training"), 1);
}

TEST_F(TriggerTest, GitForcePushIsHandledAndReported) {
  if (!git_available()) {
    GTEST_SKIP() << "git is not installed";
  }
  init_git_workspace();
  check();
  commit("src/train/model.py", "v2");
  ASSERT_EQ(check().exit_code, 0);
  git("reset -q --hard HEAD~1");
  commit("src/train/model.py", "v2-rewritten");
  auto fired = check();
  ASSERT_EQ(fired.exit_code, 0) << fired.err;
  EXPECT_NE(fired.out.find("main was rewritten (a force-push?)"), std::string::npos) << fired.out;
  EXPECT_EQ(ws.read("model.txt"), "v2-rewritten");
  EXPECT_EQ(runs_of("training"), 2);
}

TEST_F(TriggerTest, GitProblemsAreClearErrorsNotCrashes) {
  if (!git_available()) {
    GTEST_SKIP() << "git is not installed";
  }
  ws.write("pipelines/training.yaml", k_git_pipeline);
  auto not_a_repo = check();
  EXPECT_EQ(not_a_repo.exit_code, 2);
  EXPECT_NE(not_a_repo.err.find("is not inside a git repository"), std::string::npos)
      << not_a_repo.err;

  git("init -q");
  auto empty = check();
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.out.find("no commits on main yet"), std::string::npos) << empty.out;

  commit("src/train/model.py", "v1");
  git("branch -m main trunk");
  auto missing = check();
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("branch 'main' does not exist in the repository (branches: trunk)"),
            std::string::npos)
      << missing.err;

  ws.write("pipelines/training.yaml", R"(version: 1
name: training
triggers:
  git: {paths: ["src/**"]}
stages:
  train: {run: "true"}
)");
  git("checkout -q --detach HEAD");
  auto detached = check();
  EXPECT_EQ(detached.exit_code, 2);
  EXPECT_NE(detached.err.find("HEAD is detached"), std::string::npos) << detached.err;
}

// ---- data ------------------------------------------------------------------------------------

TEST_F(TriggerTest, NewDataFilesFireOnceAndAreWhatTheIncrementalStageSees) {
  ws.write("pipelines/features.yaml", k_features);
  ws.write("data/raw/2026-01.csv", "a\n");
  ws.write("data/raw/2026-02.csv", "b\n");
  auto fired = check();
  ASSERT_EQ(fired.exit_code, 0) << fired.out << fired.err;
  EXPECT_NE(fired.out.find("data: 2 new files under data/raw: new data/raw/2026-01.csv, "
                           "data/raw/2026-02.csv"),
            std::string::npos)
      << fired.out;
  EXPECT_EQ(ws.read("seen-changed.txt"), "data/raw/2026-01.csv\ndata/raw/2026-02.csv\n");
  EXPECT_EQ(check().exit_code, 0);
  EXPECT_EQ(runs_of("features"), 1);

  ws.write("data/raw/2026-03.csv", "c\n");
  auto next = check();
  EXPECT_NE(next.out.find("data: 1 new file under data/raw: new data/raw/2026-03.csv"),
            std::string::npos)
      << next.out;
  EXPECT_EQ(ws.read("seen-changed.txt"), "data/raw/2026-03.csv\n");
  EXPECT_EQ(runs_of("features"), 2);
}

TEST_F(TriggerTest, AFileStillBeingWrittenIsNotPickedUpAndRemovalsAreReported) {
  std::string pipeline = k_features;
  pipeline.replace(pipeline.find("settle: 0s"), 10, "settle: 1h");
  ws.write("pipelines/features.yaml", pipeline);
  ws.write("data/raw/growing.csv", "partial");
  auto waiting = check();
  EXPECT_EQ(waiting.exit_code, 0);
  EXPECT_NE(waiting.out.find("data: waiting for 1 file under data/raw to settle (no writes for "
                             "1h00m): data/raw/growing.csv"),
            std::string::npos)
      << waiting.out;
  EXPECT_EQ(runs_of("features"), 0);

  // Settled (written long ago), it fires; then its removal is reported.
  ws.write("pipelines/features.yaml", k_features);
  ASSERT_EQ(check().exit_code, 0);
  EXPECT_EQ(runs_of("features"), 1);
  ws.write("data/raw/other.csv", "x\n");
  ASSERT_EQ(check().exit_code, 0);
  std::filesystem::remove(ws / "data/raw/growing.csv");
  auto removed = check();
  EXPECT_NE(removed.out.find("data: 1 removed file under data/raw: removed data/raw/growing.csv"),
            std::string::npos)
      << removed.out;
}

// ---- schedule --------------------------------------------------------------------------------

std::string scheduled(const char* catchup) {
  return std::string(R"(version: 1
name: nightly
triggers:
  schedule: {cron: "0 3 * * *", timezone: Europe/Stockholm, catchup: )") +
         catchup + R"(}
stages:
  report: {run: "echo $MLOPS_SCHEDULED_TIME >> fired.txt", cache: false}
)";
}

TEST_F(TriggerTest, EachDueTimeFiresExactlyOnceWithAnInjectedClock) {
  ws.write("pipelines/nightly.yaml", scheduled("latest"));
  ASSERT_EQ(check_at("2026-11-24T01:00:00Z").exit_code, 0);
  ASSERT_EQ(check_at("2026-11-24T01:59:00Z").exit_code, 0);
  EXPECT_FALSE(ws.exists("fired.txt"));
  auto due = check_at("2026-11-24T02:00:10Z");
  ASSERT_EQ(due.exit_code, 0) << due.err;
  EXPECT_NE(due.out.find("schedule: 2026-11-24 03:00 CET (2026-11-24 02:00 UTC) was due (0 3 * * "
                         "*, catchup latest)"),
            std::string::npos)
      << due.out;
  for (const char* later :
       {"2026-11-24T02:00:50Z", "2026-11-24T02:30:00Z", "2026-11-25T01:59:00Z"}) {
    EXPECT_EQ(check_at(later).exit_code, 0);
  }
  ASSERT_EQ(check_at("2026-11-25T02:00:00Z").exit_code, 0);
  EXPECT_EQ(ws.read("fired.txt"), "2026-11-24T02:00:00.000Z\n2026-11-25T02:00:00.000Z\n");
  EXPECT_EQ(query_value(store(), "SELECT group_concat(cause) FROM runs"), "schedule,schedule");
}

TEST_F(TriggerTest, CatchupPoliciesAfterDowntime) {
  ws.write("pipelines/nightly.yaml", scheduled("all"));
  check_at("2026-11-20T12:00:00Z");
  auto all = check_at("2026-11-23T12:00:00Z");  // 21st, 22nd and 23rd were missed
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(ws.read("fired.txt"),
            "2026-11-21T02:00:00.000Z\n2026-11-22T02:00:00.000Z\n2026-11-23T02:00:00.000Z\n");

  ws.write("pipelines/nightly.yaml", scheduled("latest"));
  std::filesystem::remove(ws / "fired.txt");
  auto latest = check_at("2026-11-26T12:00:00Z");
  EXPECT_NE(latest.out.find("2 earlier missed times skipped"), std::string::npos) << latest.out;
  EXPECT_EQ(ws.read("fired.txt"), "2026-11-26T02:00:00.000Z\n");

  ws.write("pipelines/nightly.yaml", scheduled("none"));
  auto none = check_at("2026-11-28T12:00:00Z");
  EXPECT_NE(none.out.find("skipped (catchup none)"), std::string::npos) << none.out;
  EXPECT_EQ(ws.read("fired.txt"), "2026-11-26T02:00:00.000Z\n");
}

TEST_F(TriggerTest, TriggerNextPrintsTimesInTheZoneAndUtc) {
  ws.write("pipelines/nightly.yaml", scheduled("latest"));
  auto next = mlops({"trigger", "next", "pipelines/nightly.yaml", "-n", "2"},
                    {"MLOPS_TEST_NOW=2026-03-28T12:00:00Z"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(next.out,
            "schedule \"0 3 * * *\" in Europe/Stockholm (catchup latest):\n"
            "  2026-03-29 03:00 CEST (2026-03-29 01:00 UTC)\n"
            "  2026-03-30 03:00 CEST (2026-03-30 01:00 UTC)\n");
}

// ---- artifact --------------------------------------------------------------------------------

TEST_F(TriggerTest, AFeaturePipelineRunMakesTheTrainingPipelineFireOnce) {
  ws.write("pipelines/features.yaml", k_features);
  ws.write("pipelines/training.yaml", k_training);
  ws.write("data/raw/a.csv", "a\n");
  auto both = check();
  ASSERT_EQ(both.exit_code, 0) << both.out << both.err;
  EXPECT_NE(both.out.find("training: artifact: features wrote a new data/features.csv (run "),
            std::string::npos)
      << both.out;
  EXPECT_EQ(runs_of("features"), 1);
  EXPECT_EQ(runs_of("training"), 1);
  ASSERT_EQ(check().exit_code, 0);
  EXPECT_EQ(runs_of("training"), 1);
  // A features run that writes the same content is not new features.
  ASSERT_EQ(mlops({"run", "pipelines/features.yaml", "--force"}).exit_code, 0);
  ASSERT_EQ(check({"pipelines/training.yaml"}).exit_code, 0);
  EXPECT_EQ(runs_of("training"), 1);
}

// ---- at-least-once, never twice ----------------------------------------------------------------

TEST_F(TriggerTest, KilledBetweenFiringAndRecordingFiresAgainNextTime) {
  ws.write("pipelines/features.yaml", k_features);
  ws.write("data/raw/a.csv", "a\n");
  auto crashed = check({}, {"MLOPS_TEST_CRASH_BEFORE_RECORD=1"});
  EXPECT_EQ(crashed.signal, SIGKILL);
  EXPECT_EQ(runs_of("features"), 0);
  auto again = check();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("data: 1 new file"), std::string::npos) << again.out;
  EXPECT_EQ(runs_of("features"), 1);
  check();
  EXPECT_EQ(runs_of("features"), 1);
}

TEST_F(TriggerTest, OverlappingChecksStartOneRun) {
  std::string pipeline = k_features;
  pipeline.replace(pipeline.find("cat data/raw"), 3, "sleep 0.5; cat");
  ws.write("pipelines/features.yaml", pipeline);
  for (int round = 0; round < 3; ++round) {
    ws.write("data/raw/" + std::to_string(round) + ".csv", "x\n");
    RunOptions options{ws.path(), {"MLOPS_ENABLE_TEST_HOOKS=1"}, std::nullopt};
    MlopsProcess first({"trigger", "check"}, options);
    MlopsProcess second({"trigger", "check"}, options);
    auto a = first.wait();
    auto b = second.wait();
    EXPECT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(b.exit_code, 0) << b.err;
    EXPECT_EQ(runs_of("features"), round + 1) << a.out << b.out;
  }
}

// ---- concurrency -----------------------------------------------------------------------------

std::string blocking(const char* concurrency) {
  return std::string(R"(version: 1
name: features
concurrency: )") +
         concurrency + R"(
triggers:
  data: {paths: ["data/raw/**/*.csv"], settle: 0s}
stages:
  featurize:
    run: "touch started; while [ ! -e release ]; do sleep 0.05; done; cat data/raw/*.csv > out.csv"
    deps: [data/raw]
    outs: [out.csv]
    cache: false
)";
}

// A run started by hand that blocks until the test writes `release`, and a data file that
// arrives while it runs.
// Polls (up to 30 s) until some process holds a flock on `path`, read from /proc/locks so that
// looking never takes the lock itself.
bool wait_until_locked(const std::filesystem::path& path) {
  for (int i = 0; i < 3000; ++i) {
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
      std::ifstream locks("/proc/locks");
      std::string suffix = ":" + std::to_string(info.st_ino) + " ";
      for (std::string line; std::getline(locks, line);) {
        if (line.find("FLOCK") != std::string::npos && line.find(suffix) != std::string::npos) {
          return true;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class ConcurrencyTest : public TriggerTest {
 protected:
  std::unique_ptr<MlopsProcess> start_blocking_run(const char* concurrency) {
    ws.write("pipelines/features.yaml", blocking(concurrency));
    auto manual =
        std::make_unique<MlopsProcess>(std::vector<std::string>{"run", "pipelines/features.yaml"},
                                       RunOptions{ws.path(), {}, std::nullopt});
    EXPECT_TRUE(wait_for_file(ws / "started"));
    ws.write("data/raw/a.csv", "a\n");
    return manual;
  }
};

TEST_F(ConcurrencyTest, ForbidSkipsWhileARunIsGoing) {
  auto manual = start_blocking_run("forbid");
  auto skipped = check();
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_NE(skipped.out.find("skipped: run "), std::string::npos) << skipped.out;
  EXPECT_NE(skipped.out.find("is still going (concurrency: forbid)"), std::string::npos);
  ws.write("release", "");
  EXPECT_EQ(manual->wait().exit_code, 0);
  auto later = check();
  EXPECT_NE(later.out.find("nothing to do"), std::string::npos) << later.out;
  EXPECT_EQ(runs_of("features"), 1);
}

TEST_F(ConcurrencyTest, QueueWaitsForTheRunningRunThenRuns) {
  auto manual = start_blocking_run("queue");
  MlopsProcess queued({"trigger", "check"}, {ws.path(), {}, std::nullopt});
  // The queued check holds the pipeline's decision lock while it waits for the running run.
  ASSERT_TRUE(wait_until_locked(ws / ".mlops/locks/trigger-features.lock"));
  EXPECT_EQ(runs_of("features"), 1);  // still waiting
  ws.write("release", "");
  EXPECT_EQ(manual->wait().exit_code, 0);
  auto result = queued.wait();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("waiting for run "), std::string::npos) << result.out;
  EXPECT_EQ(runs_of("features"), 2);
}

TEST_F(ConcurrencyTest, ReplaceCancelsTheRunningRun) {
  auto manual = start_blocking_run("replace");
  std::filesystem::remove(ws / "started");
  MlopsProcess replacing({"trigger", "check"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(manual->wait().exit_code, 143);
  ASSERT_TRUE(wait_for_file(ws / "started"));
  ws.write("release", "");
  auto result = replacing.wait();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("concurrency: replace"), std::string::npos) << result.out;
  EXPECT_EQ(query_value(store(),
                        "SELECT group_concat(status, ',') FROM (SELECT status FROM runs "
                        "ORDER BY started_at)"),
            "cancelled,succeeded");
}

// The pid recorded with a running run now belongs to an unrelated process (here a sleep; the
// run's and the pipeline's locks are held, as by a live mlops): replace must not kill it, and
// waits for the pipeline's lock instead.
TEST_F(ConcurrencyTest, ReplaceNeverKillsAnUnrelatedProcessThatHasTheRecordedPid) {
  ws.write("pipelines/features.yaml", blocking("replace"));
  ws.write("release", "");
  ws.write("data/raw/a.csv", "a\n");
  ASSERT_EQ(check().exit_code, 0);
  ASSERT_EQ(runs_of("features"), 1);
  pid_t victim = std::stoi(run_shell("sleep 1000 > /dev/null 2>&1 & echo $!").out);
  // A holder of the run's lock and, for 1.5 s, of the pipeline's lock: what a live run holds.
  std::string locks = (ws / ".mlops/locks/").string();
  pid_t holder = std::stoi(
      run_shell(
          "sh -c 'exec 8> \"$1\" 9> \"$2\"; flock -n 8 && flock -n 9 || exit 1; touch \"$3\"; "
          "sleep 1.5; exec 8>&-; exec sleep 1000' sh '" +
          locks + "pipeline-features.lock' '" + locks + "run-r-reused.lock' '" +
          (ws / "held").string() + "' > /dev/null 2>&1 & echo $!")
          .out);
  ASSERT_TRUE(wait_for_file(ws / "held"));
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string sql =
      "INSERT INTO runs (id, pipeline_id, pipeline_file, pipeline_hash, status, params_json, "
      "host, user, mlops_version, owner_pid, started_at) SELECT 'r-reused', id, "
      "'pipelines/features.yaml', 'x', 'running', '{}', '" +
      std::string(host) + "', 'u', 'v', " + std::to_string(victim) +
      ", '2020-01-01T00:00:00.000Z' FROM pipelines WHERE name = 'features'";
  ASSERT_EQ(run_shell("sqlite3 '" + store().string() + "' \"" + sql + "\"").status, 0);
  // As recorded by a current mlops: a start time that is not the victim's (the pid was reused).
  run_shell("sqlite3 '" + store().string() +
            "' \"UPDATE runs SET owner_start_ticks = 1, boot_id = '$(cat "
            "/proc/sys/kernel/random/boot_id)' WHERE id = 'r-reused'\" 2> /dev/null");
  ws.write("data/raw/b.csv", "b\n");
  auto result = check();
  bool victim_alive =
      ::kill(victim, 0) == 0 &&
      run_shell("grep -q '^State:.*Z' /proc/" + std::to_string(victim) + "/status").status != 0;
  ::kill(victim, SIGKILL);
  ::kill(holder, SIGKILL);
  EXPECT_TRUE(victim_alive) << "replace killed pid " << victim << ", an unrelated process";
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("is not that run's mlops process any more"), std::string::npos)
      << result.out;
  EXPECT_EQ(runs_of("features"), 3);
}

// ---- the watcher -----------------------------------------------------------------------------

TEST_F(TriggerTest, WatcherPicksUpANewDataFileAndStopsCleanlyOnSigterm) {
  ws.write("pipelines/features.yaml", k_features);
  std::filesystem::path log = ws / "watch.log";
  MlopsProcess watcher({"watch", "--interval", "1s"}, {ws.path(), {}, log});
  // Let it take its first look, then drop a file in.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ws.write("data/raw/a.csv", "a\n");
  auto started = std::chrono::steady_clock::now();
  bool ran = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(15)) {
    if (ws.exists("data/features.csv")) {
      ran = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(ran) << ws.read("watch.log");
  // Within two intervals (inotify makes it sooner), with room for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2 + 3))
      << ws.read("watch.log");
  EXPECT_TRUE(wait_for_executions(store(), 1));
  watcher.signal(SIGTERM);
  auto result = watcher.wait();
  EXPECT_EQ(result.exit_code, 0) << ws.read("watch.log") << result.err;
  std::string text = ws.read("watch.log");
  EXPECT_NE(text.find("[mlops] features: data: 1 new file under data/raw"), std::string::npos)
      << text;
  EXPECT_NE(text.find("[watch] stopped"), std::string::npos) << text;
  EXPECT_EQ(text.substr(0, 2), "20");  // timestamped
  EXPECT_EQ(runs_of("features"), 1);
}

TEST_F(TriggerTest, WatcherStopFinishesOrCancelsRunningRunsAsAsked) {
  for (const char* mode : {"finish", "cancel"}) {
    SCOPED_TRACE(mode);
    Workspace local;
    local.write("pipelines/features.yaml", blocking("queue"));
    local.write("data/raw/a.csv", "a\n");
    MlopsProcess watcher({"watch", "--interval", "1s", "--on-stop", mode},
                         {local.path(), {}, local / "watch.log"});
    ASSERT_TRUE(wait_for_file(local / "started")) << local.read("watch.log");
    watcher.signal(SIGTERM);
    if (std::string(mode) == "finish") {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      local.write("release", "");
    }
    auto result = watcher.wait();
    EXPECT_EQ(result.exit_code, 0) << local.read("watch.log");
    std::string status = query_value(local / ".mlops/store.db", "SELECT status FROM runs");
    EXPECT_EQ(status, std::string(mode) == "finish" ? "succeeded" : "cancelled")
        << local.read("watch.log");
  }
}

// The documented example (docs/triggers.md) keeps working: data lands, features then training
// run, and a second check does nothing.
TEST_F(TriggerTest, TheTriggersExampleRunsEndToEnd) {
  if (!git_available()) {
    GTEST_SKIP() << "git is not installed";
  }
  auto demo = source_dir() / "examples/triggers/demo.sh";
  auto result = run_shell(demo.string() + " " + mlops_binary().string() + " 2>&1");
  const std::string& out = result.out;
  ASSERT_EQ(result.status, 0) << out;
  EXPECT_NE(out.find("features: data: 1 new file under data/raw: new data/raw/2026-11-24.csv"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("training: artifact: features wrote a new data/features.csv"),
            std::string::npos);
  EXPECT_NE(out.find("== second check: nothing changed\n[mlops] features: nothing to do\n"
                     "[mlops] training: nothing to do\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("train | rows=3 total=35"), std::string::npos) << out;
}

TEST_F(TriggerTest, ABrokenPipelineFileIsReportedAndTheOthersStillChecked) {
  ws.write("pipelines/features.yaml", k_features);
  ws.write("pipelines/broken.yaml",
           "version: 1\nname: broken\ntriggers:\n  gti: {}\nstages:\n"
           "  a: {run: 'true'}\n");
  ws.write("data/raw/a.csv", "a\n");
  auto result = check({"--json"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("pipelines/broken.yaml:4:3: error: unknown trigger 'gti'"),
            std::string::npos)
      << result.err;
  auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json["pipelines"].size(), 2u) << result.out;
  EXPECT_EQ(json["pipelines"][0]["file"], "pipelines/broken.yaml");
  EXPECT_EQ(json["pipelines"][0]["action"], "error");
  EXPECT_EQ(json["pipelines"][1]["action"], "ran");
  EXPECT_EQ(runs_of("features"), 1);
}

TEST_F(TriggerTest, WatcherReportsABrokenEditOnceAndResumesWhenItIsFixed) {
  ws.write("pipelines/features.yaml", k_features);
  MlopsProcess watcher({"watch", "--interval", "100ms"}, {ws.path(), {}, ws / "watch.log"});
  // Up and watching (not a fixed sleep: a slow start, as under sanitizers, would see the edit).
  for (int i = 0; i < 3000 && ws.read("watch.log").find("looking every") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Whole-file replacements, as editors save: the watcher must not see a half-written file here
  // (that would be a second, different error).
  auto replace = [&](const std::string& text) {
    ws.write("pipelines/features.yaml.new", text);
    std::filesystem::rename(ws / "pipelines/features.yaml.new", ws / "pipelines/features.yaml");
  };
  replace(std::string(k_features) + "  oops: {rn: x}\n");
  ws.write("data/raw/a.csv", "a\n");
  // Several intervals, and past the second a just-written file is given before it is judged.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_FALSE(ws.exists("data/features.csv"));
  replace(k_features);
  ASSERT_TRUE(wait_for_file(ws / "data/features.csv")) << ws.read("watch.log");
  watcher.signal(SIGTERM);
  EXPECT_EQ(watcher.wait().exit_code, 0);
  std::string log = ws.read("watch.log");
  size_t first = log.find("has errors; not checking it until they are fixed");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("has errors", first + 1), std::string::npos) << "reported once:\n" << log;
  EXPECT_NE(log.find("is fixed; watching it again"), std::string::npos) << log;
}

TEST_F(TriggerTest, WatchingOnlyPipelinesWithoutTriggersIsAClearError) {
  ws.write("plain.yaml", "version: 1\nname: plain\nstages:\n  a: {run: 'true'}\n");
  auto result = mlops({"watch", "plain.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("plain.yaml has no triggers; not watching it"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("nothing to watch"), std::string::npos) << result.err;
}

TEST_F(TriggerTest, NoTriggeredPipelineIsAClearError) {
  ws.write("pipelines/plain.yaml", "version: 1\nname: plain\nstages:\n  a: {run: 'true'}\n");
  auto result = check();
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no pipeline with a 'triggers:' block"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace mlops::e2e
