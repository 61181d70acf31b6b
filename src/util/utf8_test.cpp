#include "util/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mlops {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("data/train.csv"));
  EXPECT_TRUE(
      is_valid_utf8("donn\xC3\xA9"
                    "es/\xE6\x97\xA5\xE6\x9C\xAC/\xF0\x9F\x98\x80"));  // é, 日本, 😀
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));                      // U+10FFFF
}

TEST(Utf8Test, FindsTheFirstBadByte) {
  struct Case {
    std::string text;
    size_t offset;
  };
  const std::vector<Case> cases = {
      {"data/\xFF.csv", 5},             // a byte that never occurs in UTF-8
      {"ab\x80", 2},                    // a stray continuation byte
      {"a\xC3", 1},                     // truncated at the end
      {"a\xE6\x97z", 1},                // truncated before another character
      {"\xC0\xAF", 0},                  // overlong '/'
      {"\xE0\x80\xAF", 0},              // overlong, three bytes
      {"ok\xED\xA0\x80", 2},            // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", 0},          // above U+10FFFF
      {"\xC3\xA9\xF5\x80\x80\x80", 2},  // a lead byte past F4
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(is_valid_utf8(c.text)) << c.text;
    EXPECT_EQ(first_invalid_utf8(c.text), c.offset) << c.text;
  }
}

}  // namespace
}  // namespace mlops
