#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "exec/line_splitter.hpp"
#include "exec/process_runner.hpp"
#include "exec/process_table.hpp"
#include "exec/spawn.hpp"

namespace mlops {
namespace {

std::vector<std::string> feed_all(LineSplitter& splitter, const std::vector<std::string>& chunks,
                                  bool finish) {
  std::vector<std::string> blocks;
  auto emit = [&](std::string_view block) { blocks.emplace_back(block); };
  for (const auto& chunk : chunks) {
    splitter.feed(chunk, emit);
  }
  if (finish) {
    splitter.finish(emit);
  }
  return blocks;
}

TEST(LineSplitterTest, EmitsOnlyWholeLines) {
  LineSplitter splitter;
  EXPECT_EQ(feed_all(splitter, {"a\nb", "c\nd", "\n"}, false),
            (std::vector<std::string>{"a\n", "bc\n", "d\n"}));
}

TEST(LineSplitterTest, FinishAddsTheMissingNewline) {
  LineSplitter splitter;
  EXPECT_EQ(feed_all(splitter, {"a\nrest"}, true), (std::vector<std::string>{"a\n", "rest\n"}));
}

TEST(LineSplitterTest, CutsOverlongLines) {
  LineSplitter splitter(4);
  EXPECT_EQ(feed_all(splitter, {"abcdefghij"}, true),
            (std::vector<std::string>{"abcd\n", "efgh\n", "ij\n"}));
}

TEST(SpawnTest, FindsExecutablesLikeExecvp) {
  EXPECT_EQ(find_executable("sh", "/nonexistent:/bin", "/"), "/bin/sh");
  EXPECT_TRUE(find_executable("no-such-program-xyz", "/bin:/usr/bin", "/").empty());
  EXPECT_EQ(find_executable("./sh", "", "/bin"), "/bin/./sh");
}

class CollectingSink final : public OutputSink {
 public:
  void on_output(std::string_view label, OutputStream stream, std::string_view lines) override {
    std::string& target = stream == OutputStream::Stdout ? out : err;
    size_t start = 0;
    while (start < lines.size()) {
      size_t end = lines.find('\n', start);
      target += std::string(label) + ":" + std::string(lines.substr(start, end - start + 1));
      start = end + 1;
    }
  }
  void on_started(size_t token, const StartedProcess& process) override {
    started.emplace_back(token, process);
  }
  std::string out;
  std::string err;
  std::vector<std::pair<size_t, StartedProcess>> started;
};

ProcessRequest shell(size_t token, const std::string& command,
                     std::optional<Milliseconds> timeout = std::nullopt) {
  ProcessRequest request;
  request.token = token;
  request.label = "s" + std::to_string(token);
  request.argv = {"/bin/sh", "-c", command};
  request.env = {{"PATH", "/usr/bin:/bin"}};
  request.workdir = std::filesystem::temp_directory_path();
  request.log_path =
      std::filesystem::temp_directory_path() /
      ("mlops-exec-test-" + std::to_string(::getpid()) + "-" + std::to_string(token) + ".log");
  request.timeout = timeout;
  return request;
}

pid_t read_pid_file(const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  int pid = -1;
  if (file) {
    if (std::fscanf(file, "%d", &pid) != 1) {
      pid = -1;
    }
    std::fclose(file);
  }
  return pid;
}

std::vector<ProcessResult> wait_all(ProcessRunner& runner, size_t count) {
  std::vector<ProcessResult> results;
  while (results.size() < count) {
    auto waited = runner.wait(std::nullopt);
    results.insert(results.end(), waited.finished.begin(), waited.finished.end());
  }
  return results;
}

TEST(ProcessRunnerTest, ReportsExitCodesOutputAndStderrTail) {
  CollectingSink sink;
  ProcessRunner runner(sink, {});
  runner.start(shell(1, "echo out; echo err1 >&2; echo err2 >&2; exit 4"));
  auto results = wait_all(runner, 1);
  EXPECT_EQ(results[0].outcome, ProcessOutcome::Exited);
  EXPECT_EQ(results[0].exit_code, 4);
  EXPECT_EQ(results[0].stderr_tail, (std::vector<std::string>{"err1", "err2"}));
  EXPECT_EQ(sink.out, "s1:out\n");
  EXPECT_EQ(sink.err, "s1:err1\ns1:err2\n");
}

TEST(ProcessRunnerTest, TimeoutEndsAsTimedOut) {
  CollectingSink sink;
  ProcessRunner runner(sink, {});
  runner.start(shell(1, "sleep 10", Milliseconds(100)));
  auto results = wait_all(runner, 1);
  EXPECT_EQ(results[0].outcome, ProcessOutcome::TimedOut);
  EXPECT_LT(results[0].duration, Milliseconds(2000));
}

TEST(ProcessRunnerTest, CancelAllEndsEveryProcessAsCancelled) {
  CollectingSink sink;
  ProcessRunner runner(sink, {});
  runner.start(shell(1, "sleep 10"));
  runner.start(shell(2, "sleep 10 | cat"));
  runner.cancel_all();
  auto results = wait_all(runner, 2);
  EXPECT_EQ(results[0].outcome, ProcessOutcome::Cancelled);
  EXPECT_EQ(results[1].outcome, ProcessOutcome::Cancelled);
}

TEST(ProcessRunnerTest, MissingCommandFailsToStart) {
  CollectingSink sink;
  ProcessRunner runner(sink, {});
  ProcessRequest request = shell(1, "");
  request.argv = {"no-such-program-xyz"};
  runner.start(request);
  auto results = wait_all(runner, 1);
  EXPECT_EQ(results[0].outcome, ProcessOutcome::FailedToStart);
  EXPECT_EQ(results[0].message, "command not found: no-such-program-xyz");
}

TEST(ProcessRunnerTest, WaitReturnsAtTheDeadlineWhenNothingFinishes) {
  CollectingSink sink;
  ProcessRunner runner(sink, {});
  runner.start(shell(1, "sleep 10"));
  auto start = std::chrono::steady_clock::now();
  auto waited = runner.wait(start + Milliseconds(50));
  EXPECT_TRUE(waited.finished.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, Milliseconds(50));
  runner.cancel_all();
  runner.cancel_all();  // the second call kills at once
  wait_all(runner, 1);
}

TEST(ProcessRunnerTest, ReportsEachStartedProcessWithItsStartTime) {
  CollectingSink sink;
  ProcessRunner runner(sink, {});
  runner.start(shell(7, "echo $$; ps -o sid= -p $$"));
  wait_all(runner, 1);
  ASSERT_EQ(sink.started.size(), 1u);
  EXPECT_EQ(sink.started[0].first, 7u);
  const StartedProcess& process = sink.started[0].second;
  EXPECT_GT(process.start_ticks, 0);
  // The stage leads its own session.
  std::string pid = std::to_string(process.pid);
  EXPECT_EQ(sink.out.substr(0, sink.out.find('\n') + 1), "s7:" + pid + "\n");
  EXPECT_NE(sink.out.find(pid + "\n", sink.out.find('\n') + 1), std::string::npos) << sink.out;
}

bool alive(pid_t pid) {
  auto info = read_process_info(pid);
  return info && info->state != 'Z';
}

TEST(ProcessRunnerTest, ProcessesThatEscapedWithSetsidDieWhenTheirStageEnds) {
  CollectingSink sink;
  ProcessRunner runner(sink, {});
  std::filesystem::path pid_file = std::filesystem::temp_directory_path() /
                                   ("mlops-exec-test-escaped-" + std::to_string(::getpid()));
  // The stage ends only once its background process has left its session.
  runner.start(shell(1, "setsid sleep 1000 > /dev/null 2>&1 & p=$!; echo $p > '" +
                            pid_file.string() +
                            "'; (setsid sh -c 'sleep 1000' > /dev/null 2>&1 &); "
                            "until [ \"$(ps -o sid= -p $p | tr -d ' ')\" = $p ]; do sleep 0.01; "
                            "done"));
  runner.start(shell(2, "sleep 0.5"));  // another stage still running: its processes stay
  auto results = wait_all(runner, 1);
  ASSERT_EQ(results[0].token, 1u);
  EXPECT_TRUE(results[0].succeeded());
  pid_t escaped = read_pid_file(pid_file);
  std::filesystem::remove(pid_file);
  ASSERT_GT(escaped, 0);
  // SIGKILL was sent before the result; dying takes the kernel a moment.
  auto first_stage_left = [&] {
    size_t left = 0;
    for (const auto& process : descendants_of(::getpid())) {
      left += process.state != 'Z' && process.sid != sink.started[1].second.pid;
    }
    return left;
  };
  for (int i = 0; i < 100 && (alive(escaped) || first_stage_left() > 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(alive(escaped)) << "the setsid process outlived its stage";
  EXPECT_EQ(first_stage_left(), 0u) << "a process of the first stage is still running";
  EXPECT_TRUE(alive(static_cast<pid_t>(sink.started[1].second.pid)));
  wait_all(runner, 1);
}

}  // namespace
}  // namespace mlops
