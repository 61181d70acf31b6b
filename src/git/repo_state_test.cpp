#include "git/repo_state.hpp"

#include <gtest/gtest.h>

#include "git/git_test_repo.hpp"

namespace mlops {
namespace {

TEST_F(GitTestRepo, NotARepository) {
  EXPECT_FALSE(read_git_state(m_dir).has_value());
}

TEST_F(GitTestRepo, UnbornBranchHasABranchButNoCommit) {
  git("init");
  auto state = read_git_state(m_dir);
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->commit);
  EXPECT_EQ(state->branch, std::optional<std::string>("main"));
}

TEST_F(GitTestRepo, CommitBranchAndDirtyFlag) {
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

TEST_F(GitTestRepo, DetachedHeadHasNoBranch) {
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
