// The Slurm executor under attack, against the one-node test cluster (scripts/slurm-server.sh):
// what a stage leaves running must not outlive its job, whether the job ends by itself or is
// cancelled, even where the node's process tracking (proctrack/linuxproc, as on the test cluster)
// loses children that re-parent to init. Values that look like shell stay values. Skipped, with
// a message, when MLOPS_TEST_SLURM is not set.
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "harness.hpp"

namespace mlops::e2e {
namespace {

class SlurmAttackTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    if (!std::getenv("MLOPS_TEST_SLURM")) {
      GTEST_SKIP() << "Slurm attack tests skipped: MLOPS_TEST_SLURM is not set (start "
                      "scripts/slurm-server.sh)";
    }
    env = {"MLOPS_SLURM_POLL=0.2"};
  }

  CommandResult run(std::vector<std::string> args) {
    return run_mlops(args, {ws.path(), env, std::nullopt});
  }

  // The pid a stage wrote to FILE (the cluster is this machine), or 0.
  int pid_in(const std::string& file) {
    std::ifstream in(ws / file);
    int pid = 0;
    in >> pid;
    return pid;
  }

  // Whether `pid` is still a live process (not a zombie) within `limit_ms`.
  static bool alive_after(int pid, int limit_ms) {
    for (int waited = 0; waited <= limit_ms; waited += 100) {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      if (!std::getline(stat, line) || line.find(") Z ") != std::string::npos) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  void TearDown() override {
    for (const char* file : {"bg.pid", "stubborn.pid"}) {
      if (int pid = std::filesystem::exists(ws / file) ? pid_in(file) : 0; pid > 1) {
        ::kill(pid, SIGKILL);
      }
    }
    WorkspaceTest::TearDown();
  }

  std::vector<std::string> env;
};

// A daemonised child (`(cmd &)` re-parents to init at once) of a stage that succeeded: a local
// stage's is killed when the stage ends; a Slurm job's must be too.
TEST_F(SlurmAttackTest, ADaemonisedChildDoesNotOutliveItsJob) {
  ws.write("pipeline.yaml",
           "version: 1\nname: s\nexecutor: slurm\nresources: {cpus: 1, mem: 64M}\nstages:\n"
           "  leaky:\n"
           "    run: (sh -c 'echo $$ > bg.pid; exec sleep 1000' &); sleep 1; echo done\n");
  auto result = run({"run", "pipeline.yaml"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  int pid = pid_in("bg.pid");
  ASSERT_GT(pid, 1);
  EXPECT_FALSE(alive_after(pid, 3000))
      << "the stage's daemonised child " << pid << " outlived its job";
}

// Ctrl-C while a stage's child ignores SIGTERM and its parent dies of it: the child must not
// run on after the run is cancelled.
TEST_F(SlurmAttackTest, ACancelledJobLeavesNoChildThatIgnoresSigterm) {
  ws.write(
      "pipeline.yaml",
      "version: 1\nname: s\nexecutor: slurm\nresources: {cpus: 1, mem: 64M}\nstages:\n"
      "  stubborn:\n"
      "    run: (trap '' TERM; sh -c 'echo $$ > stubborn.pid; exec sleep 1000') & sleep 1000\n");
  MlopsProcess mlops({"run", "pipeline.yaml"}, {ws.path(), env, std::nullopt});
  int pid = 0;
  for (int waited = 0; waited < 20000 && pid <= 1; waited += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pid = std::filesystem::exists(ws / "stubborn.pid") ? pid_in("stubborn.pid") : 0;
  }
  ASSERT_GT(pid, 1) << "the job did not start";
  mlops.signal(SIGINT);
  auto result = mlops.wait();
  EXPECT_EQ(result.exit_code, 130) << result.err;
  // Slurm's KillWait (5 s on the test cluster) bounds the job; the child must be gone soon after.
  EXPECT_FALSE(alive_after(pid, 8000)) << "a child of the cancelled job (" << pid << ") runs on";
}

// Ctrl-C while sbatch waits for a controller that does not answer (here: a shim that hangs for
// one stage): mlops stops at once with 130, cancels the job already submitted, and records both
// stages as cancelled, instead of waiting out sbatch's limit (a minute) and failing the stage.
TEST_F(SlurmAttackTest, CtrlCDuringAHangingSbatchInterruptsTheRun) {
  ws.write("shim/sbatch",
           "#!/bin/sh\nfor last; do :; done\ncase \"$last\" in\n"
           "  */hang.sh) echo $$ > \"$(dirname \"$0\")/hanging\"; exec sleep 100;;\nesac\n"
           "exec /usr/bin/sbatch \"$@\"\n");
  std::filesystem::permissions(ws / "shim/sbatch", std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add);
  ws.write(
      "pipeline.yaml",
      "version: 1\nname: s\nexecutor: slurm\nresources: {cpus: 1, mem: 64M}\nstages:\n"
      "  first:\n    run: sleep 300\n"
      "  hang:\n    deps: [started]\n    run: echo never\n"
      "  marker:\n    executor: local\n    run: sleep 1; touch started\n    outs: [started]\n");
  const char* path = std::getenv("PATH");
  std::vector<std::string> shimmed = env;
  shimmed.push_back("PATH=" + (ws / "shim").string() + ":" + (path ? path : ""));
  MlopsProcess mlops({"run", "-j", "3", "pipeline.yaml"}, {ws.path(), shimmed, std::nullopt});
  for (int waited = 0; waited < 20000 && !std::filesystem::exists(ws / "shim/hanging");
       waited += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(std::filesystem::exists(ws / "shim/hanging")) << "sbatch of 'hang' never ran";
  auto interrupted = std::chrono::steady_clock::now();
  mlops.signal(SIGINT);
  auto result = mlops.wait();
  EXPECT_EQ(result.exit_code, 130) << result.err;
  EXPECT_LE(std::chrono::steady_clock::now() - interrupted, std::chrono::seconds(6));
  EXPECT_EQ(store_value("SELECT status FROM executions WHERE stage = 'hang'"), "cancelled");
  EXPECT_EQ(store_value("SELECT status FROM executions WHERE stage = 'first'"), "cancelled");
  auto squeue = run_shell("squeue --noheader --name=mlops-" + latest_run() +
                          " --states=PENDING,RUNNING --format=%i");
  EXPECT_EQ(squeue.out, "") << "jobs of the interrupted run still queued or running";
}

// Values that look like shell (env, params, the command's own quotes) reach the stage verbatim
// and run nothing.
TEST_F(SlurmAttackTest, ShellInValuesStaysInTheValues) {
  ws.write("pipeline.yaml",
           "version: 1\nname: s\nexecutor: slurm\n"
           "params: {p: \"x'; touch pwned-param; '\"}\nstages:\n"
           "  quoted:\n"
           "    env: {TOKEN: \"a'$(touch pwned-env)`touch pwned-tick`\\\"b\\nc\"}\n"
           "    run: printf '%s|%s' \"$TOKEN\" ${params.p} > out.txt\n"
           "    outs: [out.txt]\n");
  auto result = run({"run", "pipeline.yaml"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_EQ(ws.read("out.txt"),
            "a'$(touch pwned-env)`touch pwned-tick`\"b\nc|x'; touch pwned-param; '");
  for (const char* file : {"pwned-param", "pwned-env", "pwned-tick"}) {
    EXPECT_FALSE(std::filesystem::exists(ws / file)) << file;
  }
}

// kill -9 of mlops leaves its Slurm jobs running (nothing of mlops is left to cancel them): the
// next mlops command, which marks the run interrupted, cancels them (one scancel by the run's
// job name), so they cannot write the outputs a new run is writing.
TEST_F(SlurmAttackTest, JobsOfARunKilledWithKill9AreCancelledByTheNextCommand) {
  ws.write("pipeline.yaml",
           "version: 1\nname: s\nexecutor: slurm\nresources: {cpus: 1, mem: 64M}\nstages:\n"
           "  long:\n"
           "    run: echo $$ > stubborn.pid; sleep 1000\n");
  MlopsProcess mlops({"run", "pipeline.yaml"}, {ws.path(), env, std::nullopt});
  int pid = 0;
  for (int waited = 0; waited < 20000 && pid <= 1; waited += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pid = std::filesystem::exists(ws / "stubborn.pid") ? pid_in("stubborn.pid") : 0;
  }
  ASSERT_GT(pid, 1) << "the job did not start";
  mlops.signal(SIGKILL);
  mlops.wait();
  ASSERT_TRUE(alive_after(pid, 500)) << "the job should outlive a killed mlops";
  auto runs = run({"runs"});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.out.find("interrupted"), std::string::npos) << runs.out;
  EXPECT_FALSE(alive_after(pid, 8000)) << "the killed run's job (" << pid << ") runs on";
}

}  // namespace
}  // namespace mlops::e2e
