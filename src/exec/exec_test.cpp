#include <gtest/gtest.h>

#include <filesystem>

#include "exec/line_splitter.hpp"
#include "exec/process_runner.hpp"
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
  std::string out;
  std::string err;
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

}  // namespace
}  // namespace mlops
