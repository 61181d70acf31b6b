#include "exec/process_table.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace mlops {
namespace {

TEST(ProcessTableTest, ParsesAStatLine) {
  auto info = parse_proc_stat(
      "4242 (sleep) S 4200 4201 4100 34816 4201 4194304 97 0 0 0 0 0 0 0 20 0 1 0 123456 "
      "5730304 128 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->pid, 4242);
  EXPECT_EQ(info->state, 'S');
  EXPECT_EQ(info->ppid, 4200);
  EXPECT_EQ(info->pgid, 4201);
  EXPECT_EQ(info->sid, 4100);
  EXPECT_EQ(info->start_ticks, 123456u);
}

TEST(ProcessTableTest, CommandNamesWithSpacesAndParenthesesDoNotShiftTheFields) {
  auto info =
      parse_proc_stat("77 (a) b ) (c) Z 1 77 77 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 999 0 0\n");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->state, 'Z');
  EXPECT_EQ(info->ppid, 1);
  EXPECT_EQ(info->start_ticks, 999u);
}

TEST(ProcessTableTest, MalformedStatLinesAreRefused) {
  for (const char* text : {"", "42", "42 (x", "x (sh) S 1 2 3", "42 (sh) S 1 2 3 4 5",
                           "42 (sh) SS 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0",
                           "42 (sh) S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 nine 0 0"}) {
    EXPECT_FALSE(parse_proc_stat(text).has_value()) << text;
  }
}

TEST(ProcessTableTest, FindsAVariableInAnEnvironmentBlock) {
  const char text[] = "A=1\0MLOPS_PROCESS_TAGS_X=no\0MLOPS_PROCESS_TAGS=1.2.3,4.5.6\0B=";
  std::string block(text, sizeof text - 1);
  EXPECT_EQ(environment_value(block, "MLOPS_PROCESS_TAGS"), "1.2.3,4.5.6");
  EXPECT_EQ(environment_value(block, "A"), "1");
  EXPECT_EQ(environment_value(block, "B"), "");
  EXPECT_FALSE(environment_value(block, "MLOPS").has_value());
  EXPECT_FALSE(environment_value("", "A").has_value());
}

TEST(ProcessTableTest, TagsMatchWholeEntriesOrTheirStart) {
  EXPECT_TRUE(tags_contain("10.20.1,30.40.2", "30.40.2", TagMatch::Exact));
  EXPECT_FALSE(tags_contain("10.20.11", "10.20.1", TagMatch::Exact));
  EXPECT_TRUE(tags_contain("10.20.11", "10.20.", TagMatch::Prefix));
  EXPECT_FALSE(tags_contain("110.20.1", "10.20.", TagMatch::Prefix));
  EXPECT_FALSE(tags_contain("", "", TagMatch::Prefix));
}

TEST(ProcessTableTest, ReadsItselfAndFindsAChildAmongItsDescendants) {
  auto self = read_process_info(::getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_EQ(self_identity().start_ticks, self->start_ticks);
  EXPECT_FALSE(boot_id().empty());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  bool found = false;
  for (const auto& process : descendants_of(::getpid())) {
    found = found || process.pid == child;
  }
  EXPECT_TRUE(found);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

TEST(ProcessTableTest, NeverSignalsAProcessWithAnotherStartTime) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  auto info = read_process_info(child);
  ASSERT_TRUE(info.has_value());
  EXPECT_FALSE(signal_if_same({child, info->start_ticks + 1}, SIGKILL));
  EXPECT_EQ(::waitpid(child, nullptr, WNOHANG), 0) << "the child was signalled";
  EXPECT_TRUE(signal_if_same({child, info->start_ticks}, SIGKILL));
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
}

TEST(ProcessTableTest, KillsTaggedProcessesAndTheirDescendantsButNotOthers) {
  auto start = [](const char* tags) {
    pid_t child = ::fork();
    if (child == 0) {
      ::setsid();
      if (tags) {
        ::setenv("MLOPS_PROCESS_TAGS", tags, 1);
      }
      ::execl("/bin/sh", "sh", "-c", "sleep 1000 & wait", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return child;
  };
  pid_t tagged = start("9.9.1,1.2.3");
  pid_t other = start("1.2.30");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both shells have exec'd
  EXPECT_GE(kill_leftovers({{}, "1.2.3", TagMatch::Exact}, LeftoverScope::Descendants), 2u);
  int status = 0;
  EXPECT_EQ(::waitpid(tagged, &status, 0), tagged);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(::waitpid(other, &status, WNOHANG), 0) << "an untagged process was killed";
  EXPECT_GE(kill_leftovers({{}, "1.2.", TagMatch::Prefix}, LeftoverScope::Descendants), 2u);
  EXPECT_EQ(::waitpid(other, &status, 0), other);
}

}  // namespace
}  // namespace mlops
