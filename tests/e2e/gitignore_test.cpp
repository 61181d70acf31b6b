// Outputs kept out of git (issue 17, docs/cli.md `mlops init`, `mlops run --no-gitignore`):
// `mlops init` and the first run of a pipeline in a git workspace add the declared outs to
// .gitignore and say so; later runs leave the file alone; --no-gitignore opts out.
#include <string>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_pipeline = R"(version: 1
name: ignored
stages:
  train:
    run: "mkdir -p models 'odd dir' && echo m > models/model.pkl && echo x > 'odd dir/a*b' && echo 1 > metrics.json"
    outs: [models/model.pkl, "odd dir/a*b"]
    metrics: [metrics.json]
)";

class GitignoreTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    ws.write("pipeline.yaml", k_pipeline);
    std::filesystem::create_directories(ws / ".git");  // a git workspace (enough for mlops)
  }
};

TEST_F(GitignoreTest, TheFirstRunAddsTheOutsAndSaysSo) {
  auto first = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("added 2 outputs of this first run of ignored to .gitignore"),
            std::string::npos)
      << first.err;
  std::string text = ws.read(".gitignore");
  EXPECT_NE(text.find("\n/models/model.pkl\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n/odd dir/a\\*b\n"), std::string::npos) << text;  // quoted for git
  EXPECT_EQ(text.find("metrics.json"), std::string::npos) << text;        // metrics: committed
  // A line the user removes stays removed: only the first run adds.
  ws.write(".gitignore", "/odd dir/a\\*b\n");
  auto second = mlops({"run", "pipeline.yaml", "--force"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err.find(".gitignore"), std::string::npos) << second.err;
  EXPECT_EQ(ws.read(".gitignore"), "/odd dir/a\\*b\n");
}

TEST_F(GitignoreTest, NoGitignoreLeavesItAlone) {
  ws.write(".gitignore", "*.tmp\n");
  auto run = mlops({"run", "pipeline.yaml", "--no-gitignore"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ws.read(".gitignore"), "*.tmp\n");
}

TEST_F(GitignoreTest, OutsideGitNothingIsWritten) {
  std::filesystem::remove_all(ws / ".git");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  EXPECT_FALSE(ws.exists(".gitignore"));
}

TEST_F(GitignoreTest, GitItselfIgnoresWhatWasAdded) {
  if (std::system("git --version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "git is not installed";
  }
  std::filesystem::remove_all(ws / ".git");
  ASSERT_EQ(run_shell("cd " + ws.path().string() + " && git init -q .").status, 0);
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto status = run_shell("cd " + ws.path().string() + " && git status --porcelain -uall");
  EXPECT_EQ(status.out.find("model.pkl"), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find("a*b"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("metrics.json"), std::string::npos) << status.out;
}

TEST_F(GitignoreTest, InitAddsTheStarterOutputsUnlessTold) {
  std::filesystem::remove(ws / "pipeline.yaml");
  auto init = mlops({"init", "."});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(ws.read(".gitignore").find("/data/numbers.txt"), std::string::npos);
  std::filesystem::create_directories(ws / "other");
  ASSERT_EQ(mlops({"init", "other", "--no-gitignore"}).exit_code, 0);
  EXPECT_FALSE(ws.exists("other/.gitignore"));
}

}  // namespace
}  // namespace mlops::e2e
