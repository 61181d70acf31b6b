// No stage process outlives mlops or its stage: pipes, subshells and setsid escapes, after the
// stage ends and after `kill -9` of mlops; and what a killed restore leaves is cleaned up.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

// The live (not zombie) processes whose command line contains `needle`.
std::vector<pid_t> live_processes_running(const std::string& needle) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    std::ifstream stat(entry.path() / "stat");
    std::string stat_text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    size_t close = stat_text.rfind(')');
    bool zombie =
        close != std::string::npos && stat_text.size() > close + 2 && stat_text[close + 2] == 'Z';
    if (!zombie && text.find(needle) != std::string::npos) {
      found.push_back(static_cast<pid_t>(std::stoi(name)));
    }
  }
  return found;
}

bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  return close != std::string::npos && text.size() > close + 2 && text[close + 2] != 'Z';
}

// Polls (every 20 ms, up to `limit_ms`) until `done` holds.
template <typename Condition>
bool eventually(Condition done, int limit_ms = 3000) {
  for (int waited = 0; waited < limit_ms; waited += 20) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class ProcessTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A copy of sleep under a name unique to this workspace: its processes are findable by
    // command line, and killable by the test if mlops fails to.
    std::filesystem::copy_file("/bin/sleep", ws / "sleeper");
    std::filesystem::permissions(ws / "sleeper", std::filesystem::perms::owner_all);
    sleeper = (ws / "sleeper").string();
  }
  void TearDown() override {
    for (pid_t pid : live_processes_running(sleeper)) {
      ::kill(pid, SIGKILL);
    }
  }
  CommandResult mlops(const std::vector<std::string>& args) {
    return run_mlops(args, {ws.path(), {}, std::nullopt});
  }
  std::filesystem::path store() const { return ws / ".mlops/store.db"; }

  Workspace ws;
  std::string sleeper;
};

TEST_F(ProcessTreeTest, KillNineOfMlopsLeavesNoStageProcessForTheNextCommand) {
  ws.write("p.yaml",
           "version: 1\nname: leaky\nstages:\n"
           "  leak:\n"
           "    run: >-\n"
           "      \"$MLOPS_WORKSPACE/sleeper\" 1000 | cat > /dev/null &\n"
           "      echo $! > cat.pid;\n"
           "      (setsid \"$MLOPS_WORKSPACE/sleeper\" 1000 > /dev/null 2>&1 &);\n"
           "      touch started; wait\n");
  MlopsProcess running({"run", "p.yaml"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_file(ws / "started"));
  ASSERT_TRUE(wait_for_executions(store(), 1));
  ASSERT_TRUE(eventually([&] { return live_processes_running(sleeper).size() == 2; }));
  pid_t cat = read_pid(ws / "cat.pid");
  ASSERT_GT(cat, 0);
  running.signal(SIGKILL);
  running.wait();

  // Any command that opens the store finds the run interrupted and kills what it left.
  auto runs = mlops({"runs"});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.err.find("marked it interrupted, and killed "), std::string::npos) << runs.err;
  EXPECT_TRUE(eventually([&] { return live_processes_running(sleeper).empty() && !alive(cat); }))
      << live_processes_running(sleeper).size() << " sleepers left";
  EXPECT_EQ(query_value(store(), "SELECT status FROM runs"), "interrupted");
  EXPECT_EQ(query_value(store(), "SELECT status FROM executions"), "interrupted");
}

// The run's row is no longer "running" while its hook runs; the hook's processes must not outlive
// a kill -9 of mlops then either.
TEST_F(ProcessTreeTest, KillNineOfMlopsDuringItsHookLeavesNoHookProcessForTheNextCommand) {
  ws.write("p.yaml",
           "version: 1\nname: leaky\n"
           "on_success: >-\n"
           "  \"$MLOPS_WORKSPACE/sleeper\" 1000 > /dev/null 2>&1 &\n"
           "  (setsid \"$MLOPS_WORKSPACE/sleeper\" 1000 > /dev/null 2>&1 &);\n"
           "  touch hook-started; wait\n"
           "stages:\n  ok:\n    run: \"true\"\n");
  MlopsProcess running({"run", "p.yaml"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_file(ws / "hook-started"));
  ASSERT_TRUE(eventually([&] { return live_processes_running(sleeper).size() == 2; }));
  running.signal(SIGKILL);
  running.wait();

  auto runs = mlops({"runs"});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_TRUE(eventually([&] { return live_processes_running(sleeper).empty(); }))
      << live_processes_running(sleeper).size() << " sleepers left";
  EXPECT_EQ(query_value(store(), "SELECT status FROM runs"), "succeeded");
}

TEST_F(ProcessTreeTest, SetsidBackgroundProcessIsKilledWhenItsStageEnds) {
  ws.write("p.yaml",
           "version: 1\nname: leaky\nstages:\n"
           "  leak:\n"
           // The stage ends only once its background process has left its session.
           "    run: >-\n"
           "      setsid \"$MLOPS_WORKSPACE/sleeper\" 1000 > /dev/null 2>&1 & p=$!;\n"
           "      echo $p > sleeper.pid;\n"
           "      until [ \"$(ps -o sid= -p $p | tr -d ' ')\" = $p ]; do sleep 0.01; done\n"
           "  after:\n"
           "    needs: [leak]\n"
           "    run: >-\n"
           "      if pgrep -f \"^$MLOPS_WORKSPACE/sleeper\" > /dev/null;\n"
           "      then echo alive; else echo gone; fi > check.txt\n");
  auto result = mlops({"run", "p.yaml", "-j", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ws.read("check.txt"), "gone\n") << "the setsid process outlived its stage";
  pid_t escaped = read_pid(ws / "sleeper.pid");
  ASSERT_GT(escaped, 0);
  EXPECT_FALSE(alive(escaped));
}

TEST_F(ProcessTreeTest, TemporaryFilesOfAKilledRestoreAreRemovedByTheNextRun) {
  ws.write("p.yaml",
           "version: 1\nname: restore\nstages:\n"
           "  make: {run: echo made > out/result.txt, outs: [out/result.txt]}\n");
  // What a restore killed between writing and renaming leaves beside its target: a file copy
  // (ObjectStore), a directory copy, and an atomic write's temporary file.
  ws.write("out/result.txt.tmp-0123456789abcdef", "partial");
  ws.write("out/result.txt.tmp-fedcba9876543210/inner.txt", "partial");
  ws.write("out/result.txt.tmp-0123abcd", "partial");
  // Not ours: a name mlops never writes, and another file's temporary name.
  ws.write("out/result.txt.tmp-notes", "keep");
  ws.write("out/other.txt.tmp-0123456789abcdef", "keep");
  auto result = mlops({"run", "p.yaml"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(ws.exists("out/result.txt.tmp-0123456789abcdef"));
  EXPECT_FALSE(ws.exists("out/result.txt.tmp-fedcba9876543210"));
  EXPECT_FALSE(ws.exists("out/result.txt.tmp-0123abcd"));
  EXPECT_TRUE(ws.exists("out/result.txt.tmp-notes"));
  EXPECT_TRUE(ws.exists("out/other.txt.tmp-0123456789abcdef"));
  // A warning, not an error: the run went on and succeeded.
  EXPECT_NE(result.err.find("mlops: warning: removed 3 temporary files left by an interrupted "
                            "restore"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(ws.read("out/result.txt"), "made\n");
}

TEST_F(ProcessTreeTest, TemporaryNamesBehindASymlinkedDirectoryAreLeftAlone) {
  Workspace outside;  // another temporary directory: outside this workspace
  ws.write("p.yaml",
           "version: 1\nname: restore\nstages:\n"
           "  make: {run: 'true', outs: [linked/result.txt]}\n");
  outside.write("result.txt.tmp-0123456789abcdef", "victim");
  std::filesystem::create_directory_symlink(outside.path(), ws / "linked");
  mlops({"run", "p.yaml"});
  EXPECT_TRUE(outside.exists("result.txt.tmp-0123456789abcdef"));
}

}  // namespace
}  // namespace mlops::e2e
