#include "engine/outputs_aside.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

class OutputsAsideTest : public ::testing::Test {
 protected:
  void write(const std::string& relative, const std::string& text) {
    std::filesystem::create_directories((ws / relative).parent_path());
    std::ofstream(ws / relative) << text;
  }
  std::string read(const std::string& relative) {
    std::ifstream in(ws / relative);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  testing::TempDir dir;
  std::filesystem::path ws = dir.path();
  std::filesystem::path aside = ws / ".mlops/aside/r1";
  OutputsAside outputs{ws, aside, "r1"};
};

TEST_F(OutputsAsideTest, OldVersionsComeBackWhenTheStageFails) {
  write("out.txt", "old");
  write("d/a.txt", "old a");
  ASSERT_TRUE(outputs.before_attempt(0, {"out.txt", "d", "never.txt"}, true).ok());
  EXPECT_FALSE(std::filesystem::exists(ws / "out.txt"));
  EXPECT_FALSE(std::filesystem::exists(ws / "d"));
  write("out.txt", "partial");  // the failed attempt's
  ASSERT_TRUE(outputs.put_back(0).ok());
  EXPECT_EQ(read("out.txt"), "old");
  EXPECT_EQ(read("d/a.txt"), "old a");
  outputs.finish_run();
  EXPECT_FALSE(std::filesystem::exists(aside));
}

TEST_F(OutputsAsideTest, ARetryStartsCleanAndSuccessDropsTheOldVersions) {
  write("out.txt", "old");
  ASSERT_TRUE(outputs.before_attempt(0, {"out.txt"}, true).ok());
  write("out.txt", "attempt 1");
  ASSERT_TRUE(outputs.before_attempt(0, {"out.txt"}, false).ok());
  EXPECT_FALSE(std::filesystem::exists(ws / "out.txt"));
  write("out.txt", "attempt 2");
  outputs.discard(0);
  EXPECT_TRUE(outputs.put_back(0).ok());  // nothing left to put back
  EXPECT_EQ(read("out.txt"), "attempt 2");
  outputs.finish_run();
  EXPECT_FALSE(std::filesystem::exists(aside));
}

TEST_F(OutputsAsideTest, AnOutBehindALinkLeadingOutsideIsRefused) {
  testing::TempDir outside("mlops-outside");
  std::ofstream(outside.path() / "victim.txt") << "precious";
  std::filesystem::create_directory_symlink(outside.path(), ws / "out");
  auto prepared = outputs.before_attempt(0, {"out/victim.txt"}, true);
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().kind(), ErrorKind::InvalidSpec);
  std::ifstream in(outside.path() / "victim.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious");
}

}  // namespace
}  // namespace mlops
