#include "git/libgit2_api.hpp"

#include <gtest/gtest.h>

namespace mlops::git_detail {
namespace {

TEST(Libgit2ApiTest, LoadsTheLibraryTheBuildFound) {
  auto table = open_libgit2(libgit2_soname());
  ASSERT_TRUE(table.ok()) << table.error().message();
  EXPECT_NE((*table)->git_repository_open_ext, nullptr);
  EXPECT_NE((*table)->git_status_list_entrycount, nullptr);
  auto loaded = load_libgit2();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(*loaded, &libgit2());
}

TEST(Libgit2ApiTest, AMissingLibraryNamesItAndWhatToInstall) {
  auto table = open_libgit2("libgit2-not-installed.so.0");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().kind(), ErrorKind::Io);
  const std::string& message = table.error().message();
  EXPECT_EQ(message.find("cannot load libgit2 (libgit2-not-installed.so.0), which mlops uses to "
                         "read git repositories: "),
            0u)
      << message;
  EXPECT_NE(message.find("\n  install the package that provides libgit2-not-installed.so.0"),
            std::string::npos)
      << message;
}

TEST(Libgit2ApiTest, ALibraryWithoutTheFunctionsIsRefused) {
  auto table = open_libgit2("libz.so.1");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message().find("it has no function git_libgit2_init"), std::string::npos)
      << table.error().message();
}

}  // namespace
}  // namespace mlops::git_detail
