// The terminal: a live status line and colours on a TTY only (run under script(1) for a
// pseudo-terminal), NO_COLOR, --color, --no-progress, -q and -v.
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "util/shell_quote.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_pipeline = R"(version: 1
name: tty
stages:
  a: {run: "echo line-a; sleep 0.1; echo line-a2", cache: false}
  b: {run: "echo line-b >&2", cache: false}
  c: {run: "echo line-c", needs: [a, b], cache: false}
)";

class TerminalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("script --version > /dev/null 2>&1") != 0) {
      GTEST_SKIP() << "script(1) is missing (Debian: bsdutils)";
    }
    ws.write("tty.yaml", k_pipeline);
  }
  // Runs mlops on a pseudo-terminal; returns everything it wrote there.
  std::string on_terminal(const std::string& args, const std::string& env = "") {
    std::string command = "cd " + shell_quote(ws.path().string()) + " && env TERM=xterm " + env +
                          " script -qfec " + shell_quote(mlops_binary().string() + " " + args) +
                          " /dev/null";
    auto result = run_shell(command);
    EXPECT_EQ(result.status, 0) << result.out;
    return result.out;
  }
  Workspace ws;
};

TEST_F(TerminalTest, StatusLineAndColoursOnATerminalWithoutGarblingOutput) {
  std::string out = on_terminal("run tty.yaml");
  EXPECT_NE(out.find("\r\033[K"), std::string::npos) << out;
  EXPECT_NE(out.find("[mlops] 3/3 [================] 0 running | 3 done, 0 queued"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\033[32mdone\033[0m"), std::string::npos) << out;
  // Each stage line arrives whole: the status line is cleared before it, never inside it.
  for (const char* line : {"\033[2ma |\033[0m line-a\r\n", "\033[2ma |\033[0m line-a2\r\n",
                           "\033[2mb |\033[0m line-b\r\n", "\033[2mc |\033[0m line-c\r\n"}) {
    size_t at = out.find(line);
    ASSERT_NE(at, std::string::npos) << line << "\n" << out;
    EXPECT_EQ(out.substr(at - 3, 3), "\033[K") << out;
  }
  // The final verdict is not followed by a status line.
  EXPECT_EQ(out.substr(out.size() - 2), "\r\n");
}

TEST_F(TerminalTest, NoColorNoProgressAndPipesGivePlainLines) {
  std::string no_color = on_terminal("run tty.yaml", "NO_COLOR=1");
  EXPECT_EQ(no_color.find("\033[3"), std::string::npos) << no_color;
  EXPECT_EQ(no_color.find("\033[2m"), std::string::npos) << no_color;
  EXPECT_NE(no_color.find("\r\033[K"), std::string::npos) << "still a status line";

  std::string plain = on_terminal("run tty.yaml --no-progress --color never");
  EXPECT_EQ(plain.find('\033'), std::string::npos) << plain;
  EXPECT_NE(plain.find("a | line-a\r\n"), std::string::npos) << plain;

  std::string forced = on_terminal("run tty.yaml --color always", "NO_COLOR=1");
  EXPECT_NE(forced.find("\033[32m"), std::string::npos) << "an explicit flag wins";

  auto piped = run_mlops({"run", "tty.yaml"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(piped.out.find('\033'), std::string::npos) << piped.out;
  EXPECT_EQ(piped.err.find('\033'), std::string::npos) << piped.err;
}

TEST_F(TerminalTest, QuietAndVerbose) {
  auto quiet = run_mlops({"-q", "run", "tty.yaml"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.out.find("[mlops] start"), std::string::npos) << quiet.out;
  EXPECT_EQ(quiet.out.find("STAGE"), std::string::npos) << quiet.out;
  EXPECT_NE(quiet.out.find("[mlops] run "), std::string::npos) << quiet.out;
  EXPECT_NE(quiet.out.find("succeeded: 3 stages"), std::string::npos) << quiet.out;

  auto verbose = run_mlops({"run", "tty.yaml", "-v"}, {ws.path(), {}, std::nullopt});
  EXPECT_NE(verbose.out.find("[mlops]       $ echo line-a; sleep 0.1; echo line-a2\n"),
            std::string::npos)
      << verbose.out;
}

}  // namespace
}  // namespace mlops::e2e
