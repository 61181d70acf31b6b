#include "git/branch_history.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "git/git_test_repo.hpp"

namespace mlops {
namespace {

using BranchHistoryTest = GitTestRepo;

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST_F(BranchHistoryTest, NotARepositoryIsAClearError) {
  auto repo = GitRepository::open(m_dir);
  ASSERT_FALSE(repo.ok());
  EXPECT_NE(repo.error().message().find("not inside a git repository"), std::string::npos);
}

TEST_F(BranchHistoryTest, EmptyRepositoryHasNoHead) {
  git("init");
  auto repo = GitRepository::open(m_dir);
  ASSERT_TRUE(repo.ok());
  auto head = repo->branch_head(std::string("main"));
  ASSERT_TRUE(head.ok()) << head.error().message();
  EXPECT_FALSE(head->has_value());
}

TEST_F(BranchHistoryTest, CountsCommitsAndListsChangedPaths) {
  git("init");
  write("src/train/model.py", "1");
  write("README", "1");
  git("add -A");
  git("commit -m one");
  std::string first = git_output("rev-parse HEAD");
  write("src/train/model.py", "2");
  git("commit -am two");
  write("README", "2");
  git("commit -am three");
  auto repo = GitRepository::open(m_dir);
  ASSERT_TRUE(repo.ok());
  auto head = repo->branch_head(std::nullopt);
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ(**head, git_output("rev-parse HEAD"));
  auto changes = repo->changes(first, **head);
  ASSERT_TRUE(changes.ok()) << changes.error().message();
  EXPECT_FALSE(changes->rewritten);
  EXPECT_EQ(changes->commit_count, std::optional<size_t>(2));
  EXPECT_TRUE(contains(changes->changed_paths, "src/train/model.py"));
  EXPECT_TRUE(contains(changes->changed_paths, "README"));
  EXPECT_EQ(changes->changed_paths.size(), 2u);
}

TEST_F(BranchHistoryTest, DetectsRewrittenHistory) {
  init_with_commit();
  write("a", "2");
  git("commit -am two");
  std::string old_head = git_output("rev-parse HEAD");
  git("reset --hard HEAD~1");
  write("b", "1");
  git("add -A");
  git("commit -m rewritten");
  auto repo = GitRepository::open(m_dir);
  ASSERT_TRUE(repo.ok());
  auto head = repo->branch_head(std::string("main"));
  ASSERT_TRUE(head.ok() && head->has_value());
  auto changes = repo->changes(old_head, **head);
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->rewritten);
  EXPECT_FALSE(changes->from_missing);
  EXPECT_EQ(changes->commit_count, std::optional<size_t>(1));  // since the common ancestor
  EXPECT_TRUE(contains(changes->changed_paths, "a"));          // 2 -> 1 again
  EXPECT_TRUE(contains(changes->changed_paths, "b"));
}

TEST_F(BranchHistoryTest, MissingCommitIsReportedNotFatal) {
  init_with_commit();
  auto repo = GitRepository::open(m_dir);
  ASSERT_TRUE(repo.ok());
  auto changes =
      repo->changes("0123456789abcdef0123456789abcdef01234567", git_output("rev-parse HEAD"));
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->from_missing);
}

TEST_F(BranchHistoryTest, UnknownBranchNamesTheOnesThereAre) {
  init_with_commit();
  auto repo = GitRepository::open(m_dir);
  ASSERT_TRUE(repo.ok());
  auto head = repo->branch_head(std::string("mian"));
  ASSERT_FALSE(head.ok());
  EXPECT_NE(head.error().message().find("branch 'mian' does not exist"), std::string::npos);
  EXPECT_NE(head.error().message().find("did you mean 'main'"), std::string::npos);
}

TEST_F(BranchHistoryTest, DetachedHeadNeedsANamedBranch) {
  init_with_commit();
  git("checkout --detach HEAD");
  auto repo = GitRepository::open(m_dir);
  ASSERT_TRUE(repo.ok());
  auto head = repo->branch_head(std::nullopt);
  ASSERT_FALSE(head.ok());
  EXPECT_NE(head.error().message().find("HEAD is detached"), std::string::npos);
  EXPECT_TRUE(repo->branch_head(std::string("main")).ok());
}

TEST_F(BranchHistoryTest, SubdirectoryPrefix) {
  git("init");
  write("ml/a", "1");
  auto repo = GitRepository::open(m_dir / "ml");
  ASSERT_TRUE(repo.ok());
  EXPECT_EQ(repo->prefix(), "ml/");
}

TEST_F(BranchHistoryTest, ShallowCloneIsReadable) {
  init_with_commit();
  write("a", "2");
  git("commit -am two");
  std::string first = git_output("rev-parse HEAD~1");
  std::filesystem::path clone = m_dir / "clone";
  git("clone -q --depth 1 file://" + m_dir.string() + " clone");
  auto repo = GitRepository::open(clone);
  ASSERT_TRUE(repo.ok());
  EXPECT_TRUE(repo->is_shallow());
  auto head = repo->branch_head(std::string("main"));
  ASSERT_TRUE(head.ok() && head->has_value()) << (head.ok() ? "" : head.error().message());
  auto changes = repo->changes(first, **head);
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->from_missing);  // outside the clone's history
}

}  // namespace
}  // namespace mlops
