// `mlops push` and `mlops pull` with a directory remote (docs/remotes.md): a round trip through
// an emptied cache, a corrupt object refused, and typed directory outputs restored.
#include <string>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_pipeline = R"(version: 1
name: shared
stages:
  make:
    run: mkdir -p out/set && echo one > out/set/a.txt && echo two > out/set/b.txt && echo m > model.txt
    outs: [{path: out/set, type: dataset}, model.txt]
)";

class RemoteTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    ws.write("pipeline.yaml", k_pipeline);
    std::filesystem::create_directories(ws / "remote");
    remote = (ws / "remote").string();
  }
  std::string remote;
};

TEST_F(RemoteTest, PushThenPullIntoAnEmptiedCacheRestoresEverything) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto pushed = mlops({"push", "--remote", remote, "--json"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("\"transferred\": 4"), std::string::npos) << pushed.out;
  auto again = mlops({"push", "--remote", remote, "--json"});
  EXPECT_NE(again.out.find("\"already\": 4"), std::string::npos) << again.out;
  std::filesystem::remove_all(ws / ".mlops/cache");
  std::filesystem::remove_all(ws / "out");
  std::filesystem::remove(ws / "model.txt");
  auto pulled = mlops({"pull", "--remote", "file://" + remote});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("pulled 4 of 4 object(s)"), std::string::npos) << pulled.out;
  auto checkout = mlops({"checkout", "latest"});
  ASSERT_EQ(checkout.exit_code, 0) << checkout.err;
  EXPECT_EQ(ws.read("out/set/b.txt"), "two\n");  // a directory out typed `dataset`
  EXPECT_EQ(ws.read("model.txt"), "m\n");
}

TEST_F(RemoteTest, CorruptObjectOnTheRemoteIsRefused) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ws / "remote")) {
    if (entry.is_regular_file() && entry.path().extension() != ".dir") {
      std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::add);
      ws.write(std::filesystem::relative(entry.path(), ws.path()).string(), "tampered\n");
    }
  }
  std::filesystem::remove_all(ws / ".mlops/cache");
  auto pulled = mlops({"pull", "--remote", remote});
  EXPECT_EQ(pulled.exit_code, 1);
  EXPECT_NE(pulled.err.find("does not match its digest"), std::string::npos) << pulled.err;
  std::filesystem::remove(ws / "model.txt");
  EXPECT_EQ(mlops({"checkout", "latest", "model.txt"}).exit_code, 1);  // nothing tampered cached
  EXPECT_FALSE(ws.exists("model.txt"));
}

TEST_F(RemoteTest, NoRemoteIsAnErrorThatSaysHowToGiveOne) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto refused = mlops({"push"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("give --remote URL, set MLOPS_REMOTE, or put `remote = URL` in "
                             ".mlops/config"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(mlops({"push", "--remote", "s3://bucket/x"}).exit_code, 2);
}

TEST_F(RemoteTest, TheRemoteCanBeConfiguredInTheWorkspace) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ws.write(".mlops/config", "# the team's remote\nremote = " + remote + "\n");
  auto pushed = mlops({"push"});
  EXPECT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("pushed 4 of 4"), std::string::npos) << pushed.out;
  ws.write(".mlops/config", "remot = /x\n");
  auto bad = mlops({"push"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("config:1: unknown setting 'remot' (known: remote)"), std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace mlops::e2e
