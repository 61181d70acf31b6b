#include "cache/manifest.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

TEST(ManifestTest, ReadsFilesAndLinks) {
  auto entries = parse_manifest(
      R"([{"path":"a/b.txt","digest":"00ff","executable":true},{"path":"l","link":"b"}])");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].path, "a/b.txt");
  EXPECT_EQ((*entries)[0].digest, "00ff");
  EXPECT_TRUE((*entries)[0].executable);
  EXPECT_TRUE((*entries)[1].is_link());
  EXPECT_EQ((*entries)[1].link, "b");
}

// Before parse_manifest, the readers called get<std::string>() on whatever the JSON
// held, so a manifest entry with a number for a path threw out of has() and restore().
TEST(ManifestTest, RefusesMalformedShapesWithoutThrowing) {
  for (const char* text :
       {"", "{", "{}", "[1]", R"([{"path":1,"digest":"a"}])", R"([{"path":"a"}])",
        R"([{"path":"a","digest":7}])", R"([{"path":"a","digest":"b","executable":"yes"}])",
        R"([{"path":"a","digest":""}])", R"([{"path":"a","link":null}])"}) {
    auto entries = parse_manifest(text);
    EXPECT_FALSE(entries.ok()) << text;
    if (!entries.ok()) {
      EXPECT_EQ(entries.error().kind(), ErrorKind::InvalidSpec) << text;
    }
  }
}

}  // namespace
}  // namespace mlops
