#include "cache/manifest.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

const char* k_digest = "00ff00ff00ff00ff00ff00ff00ff00ff";

TEST(ManifestTest, ReadsFilesAndLinks) {
  auto entries = parse_manifest(std::string(R"([{"path":"a/b.txt","digest":")") + k_digest +
                                R"(","executable":true},{"path":"l","link":"b"}])");
  ASSERT_TRUE(entries.ok()) << entries.error().message();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].path, "a/b.txt");
  EXPECT_EQ((*entries)[0].digest, std::optional<std::string>(k_digest));
  EXPECT_TRUE((*entries)[0].executable);
  EXPECT_EQ((*entries)[1].link, std::optional<std::string>("b"));
}

// Before manifests were validated, the readers called get<std::string>() on whatever the JSON
// held, so an entry with a number for a path threw out of has() and restore().
TEST(ManifestTest, RefusesMalformedShapesWithoutThrowing) {
  for (const char* text : {"", "{", "{}", "[1]", R"([{"path":1,"digest":"a"}])",
                           R"([{"path":"a"}])", R"([{"path":"a","digest":7}])",
                           R"([{"path":"a","digest":""}])", R"([{"path":"a","link":null}])"}) {
    auto entries = parse_manifest(text);
    EXPECT_FALSE(entries.ok()) << text;
  }
}

}  // namespace
}  // namespace mlops
