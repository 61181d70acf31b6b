// The Slurm executor against a real one-node cluster (scripts/slurm-server.sh, started for the
// suite by scripts/test.sh): success, a failing exit code, Ctrl-C, a timeout, a job purged from
// the controller before mlops saw it end, a 20-stage DAG, and Slurm stages mixed with local ones
// under the cache. Skipped, with a message, when MLOPS_TEST_SLURM is not set.
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "harness.hpp"

namespace mlops::e2e {
namespace {

using Clock = std::chrono::steady_clock;

class SlurmTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    if (!std::getenv("MLOPS_TEST_SLURM")) {
      GTEST_SKIP() << "Slurm tests skipped: MLOPS_TEST_SLURM is not set (start "
                      "scripts/slurm-server.sh)";
    }
    // scancel through a shim that logs each call, to count them.
    ws.write("shim/scancel",
             "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/scancel.calls\"\nexec "
             "/usr/bin/scancel \"$@\"\n");
    std::filesystem::permissions(ws / "shim/scancel", std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add);
    const char* path = std::getenv("PATH");
    env = {"MLOPS_SLURM_POLL=0.2", "PATH=" + (ws / "shim").string() + ":" + (path ? path : "")};
  }

  CommandResult run(std::vector<std::string> args) {
    return run_mlops(args, {ws.path(), env, std::nullopt});
  }

  // The Slurm job ids of a run's stages, by stage (from .mlops/slurm/RUN/STAGE.jobid).
  std::map<std::string, std::string> job_ids() {
    std::map<std::string, std::string> ids;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(ws / ".mlops/slurm", error)) {
      if (entry.path().extension() == ".jobid") {
        std::string text = read_text(entry.path());
        ids[entry.path().stem().string()] = text.substr(0, text.find('\n'));
      }
    }
    return ids;
  }

  static std::string read_text(const std::filesystem::path& path) {
    auto result = run_shell("cat '" + path.string() + "'");
    return result.out;
  }

  // squeue's word for a job ("RUNNING", "CANCELLED", ...), or "" once the controller forgot it.
  static std::string job_state(const std::string& id) {
    auto result =
        run_shell("squeue --noheader --states=all --format=%T --jobs=" + id + " 2>/dev/null");
    std::string out = result.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
      out.pop_back();
    }
    return out;
  }

  static bool active(const std::string& state) {
    return state == "PENDING" || state == "RUNNING" || state == "CONFIGURING" ||
           state == "COMPLETING";
  }

  bool wait_for_jobs(size_t count, int limit_ms = 20000) {
    for (int waited = 0; waited < limit_ms; waited += 20) {
      if (job_ids().size() >= count) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::vector<std::string> env;
};

TEST_F(SlurmTest, AStageRunsAsAJobAndSucceeds) {
  ws.write("pipeline.yaml",
           "version: 1\nname: s\nstages:\n"
           "  hello:\n    executor: slurm\n    resources: {cpus: 1, mem: 64M, time: 5m}\n"
           "    env: {GREETING: \"it's me\"}\n"
           "    run: echo \"$GREETING from $MLOPS_STAGE\" > hello.txt; echo to-the-log\n"
           "    outs: [hello.txt]\n");
  auto result = run({"run", "pipeline.yaml"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_EQ(ws.read("hello.txt"), "it's me from hello\n");
  auto ids = job_ids();
  ASSERT_EQ(ids.size(), 1u);
  std::string run_id = latest_run();
  std::string log = ws.read(".mlops/logs/" + run_id + "/hello.log");
  EXPECT_NE(log.find("to-the-log\n"), std::string::npos) << log;
  EXPECT_NE(log.find("slurm job " + ids["hello"] + " ended"), std::string::npos) << log;
  EXPECT_EQ(store_value("SELECT message FROM executions WHERE stage = 'hello'"),
            "slurm job " + ids["hello"]);
}

TEST_F(SlurmTest, AFailingExitCodeIsReported) {
  ws.write("pipeline.yaml",
           "version: 1\nname: s\nexecutor: slurm\nstages:\n"
           "  bad:\n    run: echo failing >&2; exit 3\n");
  auto result = run({"run", "pipeline.yaml"});
  EXPECT_EQ(result.exit_code, 1) << result.err << result.out;
  EXPECT_NE(result.err.find("exit code 3"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("failing"), std::string::npos) << "the log's tail is shown";
  EXPECT_EQ(store_value("SELECT exit_code FROM executions WHERE stage = 'bad'"), "3");
  EXPECT_EQ(store_value("SELECT status FROM executions WHERE stage = 'bad'"), "failed");
}

TEST_F(SlurmTest, CtrlCCancelsEveryJobInOneScancel) {
  ws.write("pipeline.yaml",
           "version: 1\nname: s\nexecutor: slurm\nresources: {cpus: 1, mem: 64M}\nstages:\n"
           "  one:\n    run: sleep 300\n"
           "  two:\n    run: sleep 300\n");
  MlopsProcess mlops({"run", "-j", "2", "pipeline.yaml"}, {ws.path(), env, std::nullopt});
  ASSERT_TRUE(wait_for_jobs(2));
  auto ids = job_ids();
  // Both running on the node (slurmstepd has to kill them), not just queued.
  for (int waited = 0; waited < 20000; waited += 50) {
    if (job_state(ids["one"]) == "RUNNING" && job_state(ids["two"]) == "RUNNING") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(job_state(ids["one"]), "RUNNING");
  ASSERT_EQ(job_state(ids["two"]), "RUNNING");
  auto interrupted = Clock::now();
  mlops.signal(SIGINT);
  auto result = mlops.wait();
  auto stopped = Clock::now() - interrupted;
  EXPECT_EQ(result.exit_code, 130) << result.err;
  EXPECT_LE(stopped, std::chrono::seconds(5));
  std::string calls = read_text(ws / "shim/scancel.calls");
  EXPECT_EQ(calls, ids["one"] + " " + ids["two"] + "\n");
  for (const auto& [stage, id] : ids) {
    EXPECT_FALSE(active(job_state(id))) << stage << " is still " << job_state(id);
  }
  EXPECT_EQ(store_value("SELECT COUNT(*) FROM executions WHERE status = 'cancelled'"), "2");
}

TEST_F(SlurmTest, ATimeoutCancelsTheJob) {
  ws.write("pipeline.yaml",
           "version: 1\nname: s\nexecutor: slurm\nstages:\n"
           "  slow:\n    run: sleep 120\n    timeout: 2s\n");
  auto started = Clock::now();
  auto result = run({"run", "pipeline.yaml"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("timed out"), std::string::npos) << result.err;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30));
  auto ids = job_ids();
  ASSERT_EQ(ids.size(), 1u);
  // mlops ends the attempt on the job's exit-code file, which the job writes as its last act:
  // Slurm may still list it COMPLETING for a moment.
  std::string state = job_state(ids["slow"]);
  for (int waited = 0; waited < 5000 && active(state); waited += 100) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state = job_state(ids["slow"]);
  }
  EXPECT_FALSE(active(state)) << state;
}

// mlops is stopped (a suspended laptop) while its jobs end and the controller forgets them
// (MinJobAge). On waking, the job whose exit-code file says 0 succeeds; the job that ended
// "COMPLETED" without one (its file's path made a directory) is NOT counted as succeeded.
TEST_F(SlurmTest, AJobPurgedBeforeMlopsSawItEndIsNotASuccessWithoutEvidence) {
  ws.write("pipeline.yaml",
           "version: 1\nname: s\nexecutor: slurm\nresources: {cpus: 1, mem: 64M}\nstages:\n"
           "  fine:\n    run: echo ok > fine.txt\n    outs: [fine.txt]\n"
           "  sly:\n    run: mkdir -p \"$MLOPS_WORKSPACE/.mlops/slurm/$MLOPS_RUN_ID/sly.exit\"\n");
  MlopsProcess mlops({"run", "-j", "2", "--keep-going", "pipeline.yaml"},
                     {ws.path(), env, std::nullopt});
  ASSERT_TRUE(wait_for_jobs(2));
  mlops.signal(SIGSTOP);
  auto ids = job_ids();
  bool purged = false;
  for (int waited = 0; waited < 60000 && !purged; waited += 250) {
    purged = job_state(ids["fine"]).empty() && job_state(ids["sly"]).empty();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  mlops.signal(SIGCONT);
  auto result = mlops.wait();
  ASSERT_TRUE(purged) << "the controller did not forget the jobs within a minute";
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(store_value("SELECT status FROM executions WHERE stage = 'fine'"), "succeeded");
  EXPECT_EQ(store_value("SELECT status FROM executions WHERE stage = 'sly'"), "failed");
  std::string message = store_value("SELECT message FROM executions WHERE stage = 'sly'");
  EXPECT_NE(message.find("exit-code file"), std::string::npos) << message;
  EXPECT_NE(message.find("not counted as succeeded"), std::string::npos) << message;
}

// A DAG of 20 Slurm stages: five chains of four, each stage reading its predecessor's output.
// (Its wall time is a figure in bench/slurm.sh, not a test.)
TEST_F(SlurmTest, ATwentyStageDagRunsToTheEnd) {
  std::string yaml =
      "version: 1\nname: dag\nexecutor: slurm\nresources: {cpus: 1, mem: 32M}\n"
      "stages:\n";
  for (int i = 0; i < 20; ++i) {
    std::string name = "s" + std::to_string(i);
    yaml += "  " + name + ":\n    outs: [out/" + name + ".txt]\n";
    if (i < 5) {
      yaml += "    run: echo " + name + " > out/" + name + ".txt\n";
    } else {
      std::string before = "s" + std::to_string(i - 5);
      yaml += "    deps: [out/" + before + ".txt]\n    run: cat out/" + before + ".txt > out/" +
              name + ".txt; echo " + name + " >> out/" + name + ".txt\n";
    }
  }
  ws.write("pipeline.yaml", yaml);
  auto result = run({"run", "-j", "20", "pipeline.yaml"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ws.read("out/s19.txt"), "s4\ns9\ns14\ns19\n");
  EXPECT_EQ(job_ids().size(), 20u);
  EXPECT_EQ(store_value("SELECT COUNT(*) FROM executions WHERE status = 'succeeded'"), "20");
}

TEST_F(SlurmTest, SlurmAndLocalStagesMixAndAreCachedAlike) {
  ws.write("pipeline.yaml",
           "version: 1\nname: mixed\nstages:\n"
           "  prepare:\n    run: echo data > data.txt\n    outs: [data.txt]\n"
           "  train:\n    executor: slurm\n    deps: [data.txt]\n"
           "    run: cat data.txt > model.txt; echo trained >> model.txt\n    outs: [model.txt]\n"
           "  report:\n    deps: [model.txt]\n    run: wc -l < model.txt > report.txt\n"
           "    outs: [report.txt]\n");
  auto first = run({"run", "pipeline.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(ws.read("report.txt"), "2\n");
  EXPECT_EQ(job_ids().size(), 1u) << "only train ran on the cluster";

  auto second = run({"run", "pipeline.yaml"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(job_ids().size(), 1u) << "nothing was submitted again";
  EXPECT_NE(second.out.find("skip  train"), std::string::npos) << second.out;

  std::filesystem::remove(ws / "model.txt");
  auto third = run({"run", "pipeline.yaml"});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(ws.read("model.txt"), "data\ntrained\n") << "restored from the cache";
  EXPECT_EQ(job_ids().size(), 1u) << "restoring submits no job";
}

}  // namespace
}  // namespace mlops::e2e
