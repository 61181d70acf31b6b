// `mlops run` end to end: parallelism, timeouts, retries, signals, output, failures, quoting.
#include <signal.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

std::string pipeline(const std::string& stages, const std::string& extra = "") {
  return "version: 1\nname: e2e\n" + extra + "stages:\n" + stages;
}

CommandResult run_in(const Workspace& ws, std::vector<std::string> args) {
  return run_mlops(args, {ws.path(), {}, std::nullopt});
}

// Each stage waits for the other to have started: only a parallel run can finish (a serial one
// times out). No wall-clock bound in the test itself.
TEST(RunTest, IndependentStagesRunInParallel) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  a: {run: 'touch a.on; while [ ! -e b.on ]; do sleep 0.01; done', "
                              "timeout: 60s}\n"
                              "  b: {run: 'touch b.on; while [ ! -e a.on ]; do sleep 0.01; done', "
                              "timeout: 60s}\n"));
  auto result = run_in(ws, {"run", "p.yaml", "-j", "2"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

// With -j 1 a stage never sees the other one running.
TEST(RunTest, JobsLimitSerialises) {
  Workspace ws;
  const char* stage =
      "{run: 'if ls *.on >/dev/null 2>&1; then touch overlap; fi; touch $MLOPS_STAGE.on; sleep "
      "0.2; rm $MLOPS_STAGE.on'}";
  ws.write("p.yaml", pipeline(std::string("  a: ") + stage + "\n  b: " + stage + "\n"));
  auto result = run_in(ws, {"run", "p.yaml", "-j", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(ws.exists("overlap"));
}

TEST(RunTest, TimeoutKillsTheStageAndItsGrandchild) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  slow:\n    run: echo $$ > leader.pid; sleep 1000 & echo $! > "
                              "child.pid; wait\n    timeout: 300ms\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("FAILED slow: timed out after"), std::string::npos) << result.err;
  pid_t leader = read_pid(ws / "leader.pid");
  pid_t child = read_pid(ws / "child.pid");
  ASSERT_GT(leader, 0);
  ASSERT_GT(child, 0);
  EXPECT_FALSE(group_exists(leader)) << "a process of the stage's group is still running";
  EXPECT_FALSE(process_exists(child)) << "the grandchild sleep 1000 is still running";
  EXPECT_LT(result.seconds, 5.0);
}

TEST(RunTest, BackgroundProcessesLeftByAStageAreKilled) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  leaky:\n    run: sleep 1000 > /dev/null 2>&1 & echo $! > "
                              "child.pid\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  pid_t child = read_pid(ws / "child.pid");
  ASSERT_GT(child, 0);
  EXPECT_FALSE(process_exists(child));
}

TEST(RunTest, RetriesTheRightNumberOfTimes) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  flaky:\n    run: echo \"$MLOPS_ATTEMPT\" >> attempts; exit 3\n"
                              "    retries: 2\n    retry_delay: 100ms\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(ws.read("attempts"), "1\n2\n3\n");
  EXPECT_NE(result.err.find("retrying in 100ms (attempt 2 of 3)"), std::string::npos) << result.err;
  EXPECT_TRUE(ws.exists(".mlops/logs"));
}

TEST(RunTest, RetrySucceedsOnALaterAttempt) {
  Workspace ws;
  ws.write("p.yaml",
           pipeline("  flaky:\n    run: echo x >> attempts; [ \"$MLOPS_ATTEMPT\" -ge 2 ]\n"
                    "    retries: 3\n    retry_delay: 50ms\n"
                    "  after: {run: echo done > after.txt, needs: [flaky]}\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ws.read("attempts"), "x\nx\n");
  EXPECT_EQ(ws.read("after.txt"), "done\n");
}

void expect_interrupt_cleans_up(int sig, int expected_exit) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  a: {run: echo $$ > a.pid; sleep 1000}\n"
                              "  b: {run: 'sleep 1000 & echo $! > b.pid; wait'}\n"
                              "  c: {run: echo never > c.txt, needs: [a]}\n"));
  MlopsProcess mlops({"run", "p.yaml", "-j", "2"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_file(ws / "a.pid"));
  ASSERT_TRUE(wait_for_file(ws / "b.pid"));
  pid_t a = read_pid(ws / "a.pid");
  pid_t b = read_pid(ws / "b.pid");
  while (a <= 0 || b <= 0) {  // the file may exist before the pid is written
    a = read_pid(ws / "a.pid");
    b = read_pid(ws / "b.pid");
  }
  mlops.signal(sig);
  auto result = mlops.wait();
  EXPECT_EQ(result.exit_code, expected_exit) << result.err;
  EXPECT_FALSE(group_exists(a));
  EXPECT_FALSE(process_exists(b));
  EXPECT_FALSE(ws.exists("c.txt"));
  EXPECT_NE(result.out.find("cancelled"), std::string::npos) << result.out;
  EXPECT_LT(result.seconds, 5.0);
}

TEST(RunTest, SigintStopsEverythingAndExits130) {
  expect_interrupt_cleans_up(SIGINT, 130);
}

TEST(RunTest, SigtermStopsEverythingAndExits143) {
  expect_interrupt_cleans_up(SIGTERM, 143);
}

TEST(RunTest, FiftyMegabytesOfOutputNeitherBlocksNorBalloons) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  loud: {run: yes abcdefghijklmnopqrstuvwxy | head -c 50000000}\n"
                              "  noline: {run: head -c 20000000 /dev/zero | tr '\\\\0' a}\n"));
  auto result = run_mlops({"run", "p.yaml", "-j", "2"}, {ws.path(), {}, ws / "stdout.txt"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GT(std::filesystem::file_size(ws / "stdout.txt"), 70'000'000u);
  // AddressSanitizer's shadow memory and quarantine make the bound meaningless in that build.
  if (!MLOPS_SANITIZED) {
    EXPECT_LT(result.max_rss_kb, 32 * 1024) << "mlops used " << result.max_rss_kb << " KiB";
  }
  std::fprintf(stderr, "mlops peak RSS relaying 70 MB: %ld KiB\n", result.max_rss_kb);
  auto logs = std::filesystem::directory_iterator(ws / ".mlops/logs")->path();
  EXPECT_EQ(std::filesystem::file_size(logs / "loud.log"), 50'000'000u);
  EXPECT_EQ(std::filesystem::file_size(logs / "noline.log"), 20'000'000u);
}

TEST(RunTest, FailedStageGivesExit1AndItsStderrTail) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  bad: {run: 'for i in $(seq 1 30); do echo line$i >&2; done; "
                              "exit 3'}\n  after: {run: touch after, needs: [bad]}\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("FAILED bad: exit code 3"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("last 20 lines of its stderr:\n  line11\n"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("  line30\n[mlops] full log: .mlops/logs/"), std::string::npos)
      << result.err;
  EXPECT_FALSE(ws.exists("after"));
  EXPECT_NE(result.out.find("skipped"), std::string::npos);
  EXPECT_NE(result.out.find("upstream bad failed"), std::string::npos);
}

TEST(RunTest, FailureStartsNothingNewButLetsRunningStagesFinish) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  bad: {run: exit 1}\n  slow: {run: sleep 0.5; touch slow.done}\n"
                              "  later: {run: touch later.done, needs: [slow]}\n"));
  auto result = run_in(ws, {"run", "p.yaml", "-j", "2"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(ws.exists("slow.done"));
  EXPECT_FALSE(ws.exists("later.done"));
}

TEST(RunTest, KeepGoingRunsWhatDoesNotDependOnTheFailure) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  bad: {run: exit 1}\n  slow: {run: sleep 0.3; touch slow.done}\n"
                              "  later: {run: touch later.done, needs: [slow]}\n"
                              "  blocked: {run: touch blocked.done, needs: [bad]}\n"));
  auto result = run_in(ws, {"run", "p.yaml", "-j", "2", "--keep-going"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(ws.exists("later.done"));
  EXPECT_FALSE(ws.exists("blocked.done"));
}

TEST(RunTest, ParamWithShellMetacharactersStaysOneArgument) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  a: {run: \"printf '[%s]\\\\n' ${params.msg} > out.txt\"}\n",
                              "params: {msg: hello}\n"));
  auto result = run_in(ws, {"run", "p.yaml", "-p", "msg=x; touch pwned $(touch pwned2)"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ws.read("out.txt"), "[x; touch pwned $(touch pwned2)]\n");
  EXPECT_FALSE(ws.exists("pwned"));
  EXPECT_FALSE(ws.exists("pwned2"));
}

TEST(RunTest, StagesSeeTheirEnvironment) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  s:\n    run: env | grep -E '^(MLOPS_|A=|B=)' | sort > env.txt\n"
                              "    env: {B: stage}\n",
                              "env: {A: pipeline, B: pipeline}\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::string env = ws.read("env.txt");
  EXPECT_NE(env.find("A=pipeline\n"), std::string::npos) << env;
  EXPECT_NE(env.find("B=stage\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MLOPS_ATTEMPT=1\n"), std::string::npos);
  EXPECT_NE(env.find("MLOPS_PIPELINE=e2e\n"), std::string::npos);
  EXPECT_NE(env.find("MLOPS_STAGE=s\n"), std::string::npos);
  EXPECT_NE(env.find("MLOPS_WORKSPACE=" + ws.path().string() + "\n"), std::string::npos);
  EXPECT_NE(env.find("MLOPS_RUN_ID="), std::string::npos);
}

TEST(RunTest, PathsResolveAgainstTheWorkspaceFromAnyDirectory) {
  Workspace ws;
  ws.write("pipelines/p.yaml", pipeline("  a: {run: pwd > where.txt}\n"
                                        "  b: {run: pwd > where.txt, workdir: sub}\n"));
  std::filesystem::create_directories(ws / "sub");
  std::filesystem::create_directories(ws / "elsewhere");
  auto result =
      run_mlops({"run", (ws / "pipelines/p.yaml").string()}, {ws / "elsewhere", {}, std::nullopt});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ws.read("where.txt"), ws.path().string() + "\n");
  EXPECT_EQ(ws.read("sub/where.txt"), (ws / "sub").string() + "\n");
}

TEST(RunTest, OutputLinesArePrefixedAndWhole) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  a: {run: \"printf 'one\\\\ntw'; sleep 0.1; printf 'o\\\\n'\"}\n"
                              "  b: {run: echo to-stderr >&2}\n"));
  auto result = run_in(ws, {"run", "p.yaml", "-j", "2"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("a | one\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("a | two\n"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("a | tw\n"), std::string::npos) << result.out;
  EXPECT_NE(result.err.find("b | to-stderr\n"), std::string::npos) << result.err;
}

TEST(RunTest, CommandNotFoundFailsTheStage) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  a: {cmd: [no-such-program-xyz, arg]}\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("command not found: no-such-program-xyz"), std::string::npos)
      << result.err;
}

TEST(RunTest, ArgvStagesGetLiteralArguments) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  a: {cmd: [sh, -c, 'printf \"%s|\" \"$@\" > out.txt', sh, "
                              "'${params.x}', '$HOME']}\n",
                              "params: {x: 'a b; c'}\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ws.read("out.txt"), "a b; c|$HOME|");
}

TEST(RunTest, AStageThatDoesNotWriteItsOutputFails) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  a: {run: 'true', outs: [out/a.txt]}\n"
                              "  b: {run: 'true', deps: [out/a.txt]}\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("FAILED a: exited 0 but did not write its output 'out/a.txt'"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("upstream a failed"), std::string::npos);
}

TEST(RunTest, InvalidPipelineStartsNothing) {
  Workspace ws;
  ws.write("p.yaml", pipeline("  a: {run: touch ran}\n  b: {run: x, needs: [nope]}\n"));
  auto result = run_in(ws, {"run", "p.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_FALSE(ws.exists("ran"));
  EXPECT_FALSE(ws.exists(".mlops/logs"));
  EXPECT_NE(result.err.find("p.yaml:5:23: error: stage 'b' needs 'nope'"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace mlops::e2e
