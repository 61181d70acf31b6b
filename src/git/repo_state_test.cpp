#include "git/repo_state.hpp"

#include <gtest/gtest.h>

#include "git/git_test_repo.hpp"

namespace mlops {
namespace {

// read_git_state, which must not fail here (libgit2 is installed where the tests run).
std::optional<GitState> state_of(const std::filesystem::path& path) {
  auto state = read_git_state(path);
  EXPECT_TRUE(state.ok()) << state.error().message();
  return state.ok() ? *state : std::nullopt;
}

TEST_F(GitTestRepo, NotARepository) {
  EXPECT_FALSE(state_of(m_dir).has_value());
}

TEST_F(GitTestRepo, UnbornBranchHasABranchButNoCommit) {
  git("init");
  auto state = state_of(m_dir);
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->commit);
  EXPECT_EQ(state->branch, std::optional<std::string>("main"));
}

TEST_F(GitTestRepo, CommitBranchAndDirtyFlag) {
  git("init");
  write("a.txt", "1");
  git("add a.txt");
  git("commit -m one");
  auto clean = state_of(m_dir);
  ASSERT_TRUE(clean && clean->commit);
  EXPECT_EQ(clean->commit->size(), 40u);
  EXPECT_EQ(clean->branch, std::optional<std::string>("main"));
  EXPECT_FALSE(clean->dirty);
  write("untracked.txt", "x");
  EXPECT_FALSE(state_of(m_dir)->dirty);
  write("a.txt", "2");
  EXPECT_TRUE(state_of(m_dir)->dirty);
  std::filesystem::create_directories(m_dir / "sub");
  EXPECT_EQ(state_of(m_dir / "sub")->commit, clean->commit);  // found from below
}

TEST_F(GitTestRepo, DetachedHeadHasNoBranch) {
  git("init");
  write("a.txt", "1");
  git("add a.txt");
  git("commit -m one");
  git("checkout --detach");
  auto state = state_of(m_dir);
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->commit);
  EXPECT_FALSE(state->branch);
}

TEST_F(GitTestRepo, OnlyADirectoryWithGitAboveItMayBeInARepository) {
  std::filesystem::create_directories(m_dir / "a" / "b");
  EXPECT_FALSE(may_be_inside_git_repository(m_dir / "a" / "b"));
  git("init");
  EXPECT_TRUE(may_be_inside_git_repository(m_dir / "a" / "b"));
  EXPECT_TRUE(may_be_inside_git_repository(m_dir));
  EXPECT_TRUE(may_be_inside_git_repository(m_dir / "a" / "missing"));
}

TEST_F(GitTestRepo, ABareRepositoryMayBeOne) {
  git("init --bare bare.git");
  EXPECT_TRUE(may_be_inside_git_repository(m_dir / "bare.git"));
  EXPECT_TRUE(may_be_inside_git_repository(m_dir / "bare.git" / "refs"));
  auto state = state_of(m_dir / "bare.git");
  EXPECT_TRUE(state.has_value());
}

TEST_F(GitTestRepo, AWorktreeWithAGitFileIsRead) {
  init_with_commit();
  git("worktree add -q ../" + m_dir.filename().string() + "-wt");
  std::filesystem::path worktree = m_dir.parent_path() / (m_dir.filename().string() + "-wt");
  auto state = state_of(worktree);
  std::filesystem::remove_all(worktree);
  ASSERT_TRUE(state && state->commit);
  EXPECT_EQ(state->commit, state_of(m_dir)->commit);
}

}  // namespace
}  // namespace mlops
