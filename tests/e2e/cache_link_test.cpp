// `cache_link: hardlink`, end to end: outputs become read-only hard links to their cache objects,
// and nothing a stage or a user does to an output can put wrong bytes in the workspace through
// the cache.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

// Every output has bytes of its own: an output whose version the cache holds already is left a
// file of its own (not linked).
const char* k_pipeline = R"(version: 1
name: p
cache_link: hardlink
params: {v: one}
stages:
  make: {run: 'echo ${params.v} > out/m.txt; mkdir -p out/d && echo ${params.v}-d > out/d/f',
         outs: [out/m.txt, out/d]}
  upper: {run: 'tr a-z A-Z < out/m.txt > out/u.txt', deps: [out/m.txt], outs: [out/u.txt]}
  copy: {run: 'cp in.txt out/c.txt', deps: [in.txt], outs: [out/c.txt]}
  grow: {run: 'echo ${params.v}-log >> out/log.txt', outs: [out/log.txt], incremental: true}
)";

class CacheLinkTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    ws.write("p.yaml", k_pipeline);
    ws.write("in.txt", "input\n");
  }
  struct stat stat_of(const std::string& relative) {
    struct stat info {};
    EXPECT_EQ(::lstat((ws / relative).c_str(), &info), 0) << relative;
    return info;
  }
  // Whether `relative` is a read-only hard link to the object of its current content.
  void expect_linked(const std::string& relative) {
    struct stat info = stat_of(relative);
    EXPECT_EQ(info.st_nlink, 2u) << relative;
    EXPECT_EQ(info.st_mode & 0222, 0u) << relative;
  }
  std::vector<std::string> started(const CommandResult& result) {
    std::vector<std::string> names;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("[mlops] start ")) {
        std::string rest = line.substr(14);
        names.push_back(rest.substr(0, rest.find(' ')));
      }
    }
    return names;
  }
  CommandResult run(std::vector<std::string> args) {
    auto result = mlops(args);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result;
  }
};

TEST_F(CacheLinkTest, OutputsAreReadOnlyLinksAndIncrementalOutputsStayCopies) {
  run({"run", "p.yaml"});
  for (const char* out : {"out/m.txt", "out/u.txt", "out/c.txt", "out/d/f"}) {
    expect_linked(out);
  }
  EXPECT_EQ(stat_of("out/log.txt").st_nlink, 1u);  // updated in place by its stage
  EXPECT_NE(stat_of("out/log.txt").st_mode & 0200, 0u);
  // A second run finds everything up to date; a forced one rewrites the outputs (each stage's
  // old outputs are moved aside first, so `cp` and `>` never write into a cached object).
  EXPECT_TRUE(started(run({"run", "p.yaml"})).empty());
  run({"run", "p.yaml", "--force"});
  EXPECT_EQ(ws.read("out/c.txt"), "input\n");
  EXPECT_EQ(ws.read("out/u.txt"), "ONE\n");
  EXPECT_EQ(ws.read("out/log.txt"), "one-log\none-log\n");
  // The same bytes again: their objects are cached already, so the new outputs stay files.
  EXPECT_EQ(stat_of("out/c.txt").st_nlink, 1u);
  auto verify = mlops({"cache", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(CacheLinkTest, ADeletedOutputIsRestoredAsALink) {
  run({"run", "p.yaml"});
  std::filesystem::remove(ws / "out/m.txt");
  std::filesystem::remove_all(ws / "out/d");
  auto again = run({"run", "p.yaml"});
  EXPECT_TRUE(started(again).empty()) << again.out;
  EXPECT_EQ(ws.read("out/m.txt"), "one\n");
  EXPECT_EQ(ws.read("out/d/f"), "one-d\n");
  expect_linked("out/m.txt");
  expect_linked("out/d/f");
}

TEST_F(CacheLinkTest, EditingAnOutputInPlaceIsRefusedOrCaughtNeverRestored) {
  run({"run", "p.yaml"});
  int fd = ::open((ws / "out/m.txt").c_str(), O_WRONLY | O_TRUNC);
  if (fd < 0) {
    // Not root: the output is read-only, the edit is refused and the cache is whole.
    EXPECT_EQ(errno, EACCES) << std::strerror(errno);
    EXPECT_EQ(ws.read("out/m.txt"), "one\n");
    EXPECT_EQ(mlops({"cache", "verify"}).exit_code, 0);
    return;
  }
  // Root ignores the read-only mode: the edit reaches the cached object through the link. It is
  // caught by the digest check: the next run does not restore the damaged object (it is
  // quarantined) but runs the stage, and downstream stages see the right bytes again.
  ASSERT_EQ(::write(fd, "tampered\n", 9), 9);
  ::close(fd);
  auto again = run({"run", "p.yaml"});
  EXPECT_NE(again.err.find("quarantine"), std::string::npos) << again.out << again.err;
  EXPECT_EQ(started(again), std::vector<std::string>{"make"}) << again.out;
  EXPECT_EQ(ws.read("out/m.txt"), "one\n");
  EXPECT_EQ(ws.read("out/u.txt"), "ONE\n");
  expect_linked("out/m.txt");
  auto verify = mlops({"cache", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_FALSE(std::filesystem::is_empty(ws / ".mlops/cache/quarantine"));
}

TEST_F(CacheLinkTest, CheckoutAndGcWorkOnLinkedOutputs) {
  run({"run", "p.yaml"});
  std::string first = latest_run();
  run({"run", "p.yaml", "-p", "v=two"});
  EXPECT_EQ(ws.read("out/u.txt"), "TWO\n");
  auto checkout = mlops({"checkout", first});
  ASSERT_EQ(checkout.exit_code, 0) << checkout.out << checkout.err;
  EXPECT_EQ(ws.read("out/m.txt"), "one\n");
  EXPECT_EQ(ws.read("out/d/f"), "one-d\n");
  run({"run", "p.yaml", "-p", "v=two"});  // back to two, from the cache
  EXPECT_EQ(ws.read("out/m.txt"), "two\n");
  auto gc = mlops({"gc", "--keep-last", "1"});
  ASSERT_EQ(gc.exit_code, 0) << gc.out << gc.err;
  EXPECT_NE(gc.out.find("freed"), std::string::npos) << gc.out;
  // The workspace's linked outputs survive their old siblings' removal, and are still cached.
  EXPECT_EQ(ws.read("out/m.txt"), "two\n");
  std::filesystem::remove(ws / "out/m.txt");
  EXPECT_TRUE(started(run({"run", "p.yaml", "-p", "v=two"})).empty());
  EXPECT_EQ(ws.read("out/m.txt"), "two\n");
  EXPECT_EQ(mlops({"cache", "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace mlops::e2e
