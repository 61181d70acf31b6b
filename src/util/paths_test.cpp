#include "util/paths.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

TEST(PathsTest, PlainRelativePathsOnly) {
  for (const char* good : {"a", "a/b.csv", "models/m.pkl", "caf\xc3\xa9.txt"}) {
    EXPECT_TRUE(is_plain_relative_path(good)) << good;
  }
  for (const char* bad : {"", "/a", "../a", "a/..", "a/../b", "./a", "a//b", "a/", ".", "..",
                          "bad\xff.txt", "\xc0\xaf"}) {
    EXPECT_FALSE(is_plain_relative_path(bad)) << bad;
  }
  EXPECT_FALSE(is_plain_relative_path(std::string_view("a\0b", 3)));
}

TEST(PathsTest, CheckedWritePathRefusesLinksLeadingOutside) {
  testing::TempDir dir;
  auto ws = dir.path() / "ws";
  std::filesystem::create_directories(ws / "real");
  std::filesystem::create_directories(dir.path() / "outside");
  std::filesystem::create_directory_symlink(dir.path() / "outside", ws / "out");
  std::filesystem::create_directory_symlink("real", ws / "in");
  EXPECT_TRUE(checked_write_path(ws, "in/x.txt", ErrorKind::Corrupt).ok());
  EXPECT_TRUE(checked_write_path(ws, "new/deeper/x.txt", ErrorKind::Corrupt).ok());
  EXPECT_EQ(*checked_write_path(ws, "real/x", ErrorKind::Corrupt), ws / "real/x");
  for (const char* bad : {"out/x.txt", "out", "../outside/x", "/etc/passwd"}) {
    auto checked = checked_write_path(ws, bad, ErrorKind::Corrupt);
    ASSERT_FALSE(checked.ok()) << bad;
    EXPECT_EQ(checked.error().kind(), ErrorKind::Corrupt);
  }
  EXPECT_NE(checked_write_path(ws, "out/x.txt", ErrorKind::Io)
                .error()
                .message()
                .find("'out' is a symbolic link leading outside the workspace"),
            std::string::npos);
}

TEST(PathsTest, LinkCheckRemembersSafeDirectoriesAndStillChecksEveryLastComponent) {
  testing::TempDir dir;
  auto ws = dir.path() / "ws";
  std::filesystem::create_directories(ws / "real/sub");
  std::filesystem::create_directories(dir.path() / "outside");
  std::filesystem::create_symlink(dir.path() / "outside" / "f", ws / "real/sub/leak");
  std::filesystem::create_directory_symlink(dir.path() / "outside", ws / "real/away");
  WorkspaceLinkCheck check(ws);
  EXPECT_FALSE(check.link_leading_out("real/sub/a.txt"));
  EXPECT_FALSE(check.link_leading_out("real/sub/b.txt"));  // real/ and real/sub/ remembered
  EXPECT_EQ(check.link_leading_out("real/sub/leak"), "real/sub/leak");
  EXPECT_EQ(check.link_leading_out("real/away/x"), "real/away");
  EXPECT_EQ(check.link_leading_out("real/away"), "real/away");
  EXPECT_FALSE(check.link_leading_out("missing/x"));
  // A dangling link, and a chain of links, leading out: a write would create the file outside.
  std::filesystem::create_symlink("leak", ws / "real/sub/chain");
  EXPECT_EQ(check.link_leading_out("real/sub/chain"), "real/sub/chain");
  // A dangling link leading inside is fine.
  std::filesystem::create_symlink("not-yet.txt", ws / "real/sub/later");
  EXPECT_FALSE(check.link_leading_out("real/sub/later"));
}

}  // namespace
}  // namespace mlops
