#include "git/repo_state.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace mlops {
namespace {

// Builds repositories with libgit2-independent means: the git command line is only a test tool
// here, and the test is skipped where it is missing.
class GitStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("git --version > /dev/null 2>&1") != 0) {
      GTEST_SKIP() << "git is not installed";
    }
    m_dir = std::filesystem::temp_directory_path() /
            ("mlops-git-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  void git(const std::string& args) {
    std::string command = "cd '" + m_dir.string() +
                          "' && git -c user.name=t -c user.email=t@example.invalid "
                          "-c init.defaultBranch=main " +
                          args + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(m_dir / name) << text;
  }
  std::filesystem::path m_dir;
};

TEST_F(GitStateTest, NotARepository) {
  EXPECT_FALSE(read_git_state(m_dir).has_value());
}

TEST_F(GitStateTest, UnbornBranchHasABranchButNoCommit) {
  git("init");
  auto state = read_git_state(m_dir);
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->commit);
  EXPECT_EQ(state->branch, std::optional<std::string>("main"));
}

TEST_F(GitStateTest, CommitBranchAndDirtyFlag) {
  git("init");
  write("a.txt", "1");
  git("add a.txt");
  git("commit -m one");
  auto clean = read_git_state(m_dir);
  ASSERT_TRUE(clean && clean->commit);
  EXPECT_EQ(clean->commit->size(), 40u);
  EXPECT_EQ(clean->branch, std::optional<std::string>("main"));
  EXPECT_FALSE(clean->dirty);
  write("untracked.txt", "x");
  EXPECT_FALSE(read_git_state(m_dir)->dirty);
  write("a.txt", "2");
  EXPECT_TRUE(read_git_state(m_dir)->dirty);
  std::filesystem::create_directories(m_dir / "sub");
  EXPECT_EQ(read_git_state(m_dir / "sub")->commit, clean->commit);  // found from below
}

TEST_F(GitStateTest, DetachedHeadHasNoBranch) {
  git("init");
  write("a.txt", "1");
  git("add a.txt");
  git("commit -m one");
  git("checkout --detach");
  auto state = read_git_state(m_dir);
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->commit);
  EXPECT_FALSE(state->branch);
}

}  // namespace
}  // namespace mlops
