#include "util/glob.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

Glob must_parse(std::string_view text) {
  auto glob = Glob::parse(text);
  EXPECT_TRUE(glob.ok()) << text;
  return glob.ok() ? *glob : *Glob::parse("x");
}

TEST(GlobTest, StarStaysWithinOneSegment) {
  Glob glob = must_parse("data/*.csv");
  EXPECT_TRUE(glob.matches("data/a.csv"));
  EXPECT_FALSE(glob.matches("data/sub/a.csv"));
  EXPECT_FALSE(glob.matches("data/a.csvx"));
  EXPECT_FALSE(glob.matches("other/a.csv"));
  EXPECT_EQ(glob.base(), "data");
}

TEST(GlobTest, DoubleStarMatchesAnyDepthIncludingNone) {
  Glob glob = must_parse("data/raw/**/*.csv");
  EXPECT_TRUE(glob.matches("data/raw/a.csv"));
  EXPECT_TRUE(glob.matches("data/raw/2026/11/a.csv"));
  EXPECT_FALSE(glob.matches("data/raw/2026/a.txt"));
  EXPECT_FALSE(glob.matches("data/a.csv"));
  EXPECT_EQ(glob.base(), "data/raw");
  Glob tree = must_parse("src/train/**");
  EXPECT_TRUE(tree.matches("src/train/model.py"));
  EXPECT_TRUE(tree.matches("src/train/a/b/c.py"));
  EXPECT_FALSE(tree.matches("src/serve/app.py"));
}

TEST(GlobTest, QuestionMarkClassesAndEscapes) {
  EXPECT_TRUE(glob_segment_matches("a?c", "abc"));
  EXPECT_FALSE(glob_segment_matches("a?c", "ac"));
  EXPECT_TRUE(glob_segment_matches("[a-c]x", "bx"));
  EXPECT_FALSE(glob_segment_matches("[a-c]x", "dx"));
  EXPECT_TRUE(glob_segment_matches("[!a-c]x", "dx"));
  EXPECT_TRUE(glob_segment_matches("[]]", "]"));
  EXPECT_TRUE(glob_segment_matches("\\*", "*"));
  EXPECT_FALSE(glob_segment_matches("\\*", "a"));
  EXPECT_TRUE(glob_segment_matches("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(glob_segment_matches("*a*b*", "xxbxxaxx"));
}

TEST(GlobTest, HiddenFilesNeedAnExplicitDot) {
  EXPECT_FALSE(must_parse("data/*").matches("data/.a.swp"));
  EXPECT_FALSE(must_parse("data/**").matches("data/.tmp/a.csv"));
  EXPECT_TRUE(must_parse("data/.*").matches("data/.a"));
}

TEST(GlobTest, PlainPathsMatchThemselves) {
  Glob glob = must_parse("pipelines/churn-training.yaml");
  EXPECT_TRUE(glob.matches("pipelines/churn-training.yaml"));
  EXPECT_FALSE(glob.matches("pipelines/churn-training.yaml.bak"));
  EXPECT_TRUE(must_parse("data/raw").matches("data/raw/2026/a.csv"));  // a directory's files
  EXPECT_FALSE(must_parse("data/raw").matches("data/rawer/a.csv"));
  EXPECT_TRUE(must_parse("data/raw").any_depth());
  EXPECT_FALSE(must_parse("data/*/x.csv").any_depth());
  EXPECT_EQ(must_parse("data/*/x.csv").depth_below_base(), 2u);
  EXPECT_EQ(glob.base(), "pipelines");
  EXPECT_EQ(must_parse("a.csv").base(), ".");
  EXPECT_EQ(must_parse("./data//x/").base(), "data");
}

TEST(GlobTest, RejectsBadPatternsWithReasons) {
  for (const char* bad : {"", "/etc/*", "../x/*", "data/[ab", "data/a**b", "data\\", ".", "./"}) {
    auto glob = Glob::parse(bad);
    EXPECT_FALSE(glob.ok()) << bad;
  }
  EXPECT_NE(Glob::parse("data/[ab").error().message().find("unclosed '['"), std::string::npos);
  EXPECT_NE(Glob::parse("a**b").error().message().find("whole path segment"), std::string::npos);
}

}  // namespace
}  // namespace mlops
