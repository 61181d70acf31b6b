#include "remote/remote.hpp"

#include <gtest/gtest.h>

#include "hash/digest.hpp"
#include "util/file_io.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

using testing::TempDir;

class DirectoryRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir.path() / "remote"); }
  std::unique_ptr<Remote> remote() {
    auto opened = open_remote("file://" + (dir.path() / "remote").string());
    EXPECT_TRUE(opened.ok());
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  TempDir dir;
};

TEST_F(DirectoryRemoteTest, PutThenGetVerifiesAndLeavesNoTemporaries) {
  auto path = dir.path() / "a.txt";
  ASSERT_TRUE(write_file_atomic(path, "hello").ok());
  std::string digest = digest_bytes("hello").hex();
  auto r = remote();
  EXPECT_FALSE(*r->has(digest, false));
  ASSERT_TRUE(r->put(digest, false, path).ok());
  EXPECT_FALSE(*r->has(digest, false));  // not visible before publish()
  ASSERT_TRUE(r->publish().ok());
  EXPECT_TRUE(*r->has(digest, false));
  ASSERT_TRUE(r->get(digest, false, dir.path() / "back.txt").ok());
  EXPECT_EQ(*read_file(dir.path() / "back.txt", 100), "hello");
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path() / "remote")) {
    files += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(DirectoryRemoteTest, CorruptObjectIsRefusedOnGetAndNothingIsWritten) {
  auto path = dir.path() / "a.txt";
  ASSERT_TRUE(write_file_atomic(path, "hello").ok());
  std::string digest = digest_bytes("hello").hex();
  auto r = remote();
  ASSERT_TRUE(r->put(digest, false, path).ok());
  ASSERT_TRUE(r->publish().ok());
  auto object = dir.path() / "remote" / object_name(digest, false);
  std::filesystem::permissions(object, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  ASSERT_TRUE(write_file_atomic(object, "jello").ok());
  auto got = r->get(digest, false, dir.path() / "back.txt");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind(), ErrorKind::Corrupt);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "back.txt"));
}

TEST_F(DirectoryRemoteTest, PutRefusesASourceThatNoLongerMatchesItsDigest) {
  auto path = dir.path() / "a.txt";
  ASSERT_TRUE(write_file_atomic(path, "changed").ok());
  auto r = remote();
  auto put = r->put(digest_bytes("hello").hex(), false, path);
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(*r->has(digest_bytes("hello").hex(), false));
}

TEST_F(DirectoryRemoteTest, UnpublishedPutsLeaveNothingBehind) {
  auto path = dir.path() / "a.txt";
  ASSERT_TRUE(write_file_atomic(path, "hello").ok());
  {
    auto r = remote();
    ASSERT_TRUE(r->put(digest_bytes("hello").hex(), false, path).ok());
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path() / "remote")) {
    files += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, 0u);
}

TEST(RemoteUrlTest, OnlyDirectoriesForNow) {
  EXPECT_EQ(open_remote("s3://bucket/x").error().kind(), ErrorKind::Usage);
  EXPECT_EQ(open_remote("relative/dir").error().kind(), ErrorKind::Usage);
  EXPECT_EQ(open_remote("/does/not/exist").error().kind(), ErrorKind::NotFound);
}

}  // namespace
}  // namespace mlops
