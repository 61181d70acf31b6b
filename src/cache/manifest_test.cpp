#include "cache/manifest.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "hash/digest.hpp"
#include "util/file_io.hpp"

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

// A manifest received from a remote is checked against the digest it is stored under: the tree
// digest computed from its entries must be the one digest_path computes from the directory.
TEST(ManifestTest, TreeDigestMatchesTheDirectoryDigest) {
  auto root = std::filesystem::temp_directory_path() / "mlops-manifest-tree-test";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "d" / "e");
  ASSERT_TRUE(write_file_atomic(root / "a.txt", "a").ok());
  ASSERT_TRUE(write_file_atomic(root / "d" / "b.txt", "b").ok());
  ASSERT_TRUE(write_file_atomic(root / "d" / "e" / "c.txt", "c").ok());
  ASSERT_TRUE(write_file_atomic(root / "Z.txt", "z").ok());
  std::filesystem::create_symlink("a.txt", root / "link");
  std::vector<ManifestEntry> entries = {{"Z.txt", digest_bytes("z").hex(), std::nullopt, false},
                                        {"a.txt", digest_bytes("a").hex(), std::nullopt, false},
                                        {"d/b.txt", digest_bytes("b").hex(), std::nullopt, false},
                                        {"d/e/c.txt", digest_bytes("c").hex(), std::nullopt, false},
                                        {"link", std::nullopt, "a.txt", false}};
  auto digest = digest_path(root);
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(manifest_tree_digest(entries), digest->digest.hex());
  entries[2].digest = digest_bytes("tampered").hex();
  EXPECT_NE(manifest_tree_digest(entries), digest->digest.hex());
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace mlops
