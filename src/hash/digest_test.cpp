#include "hash/digest.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace mlops {
namespace {

class DigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("mlops-digest-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  void write(const std::string& relative, const std::string& content) {
    std::filesystem::create_directories((m_dir / relative).parent_path());
    std::ofstream(m_dir / relative, std::ios::binary) << content;
  }
  std::string digest(const std::string& relative) {
    auto result = digest_path(m_dir / relative);
    EXPECT_TRUE(result.ok()) << result.error().message();
    return result->digest.hex();
  }
  std::filesystem::path m_dir;
};

TEST_F(DigestTest, KnownAnswersPinTheAlgorithm) {
  // XXH3-128 of the empty input and of "abc", as published by xxHash.
  EXPECT_EQ(digest_bytes("").hex(), "99aa06d3014798d86001c324468d497f");
  EXPECT_EQ(digest_bytes("abc").hex(), "06b05ab6733a618578af5f94892f3950");
}

TEST_F(DigestTest, FileDigestIsTheDigestOfItsBytesAtAnySize) {
  std::string big(3 * 1024 * 1024 + 17, 'x');
  write("big.bin", big);
  auto result = digest_path(m_dir / "big.bin");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->digest, digest_bytes(big));
  EXPECT_EQ(result->size, big.size());
}

TEST_F(DigestTest, DirectoryDigestChangesWithAnyFileBelowAndNotWithOrder) {
  write("d/a.csv", "1\n");
  write("d/sub/b.csv", "2\n");
  std::string before = digest("d");
  write("d/sub/b.csv", "3\n");
  std::string changed = digest("d");
  EXPECT_NE(before, changed);
  write("d/sub/b.csv", "2\n");
  EXPECT_EQ(digest("d"), before);
  std::filesystem::rename(m_dir / "d/a.csv", m_dir / "d/c.csv");
  EXPECT_NE(digest("d"), before);
}

TEST_F(DigestTest, FieldsAreLengthPrefixed) {
  Hasher one;
  one.add_field("ab");
  one.add_field("c");
  Hasher two;
  two.add_field("a");
  two.add_field("bc");
  EXPECT_NE(one.finish(), two.finish());
}

TEST_F(DigestTest, LinksInsideDirectoriesAreNotFollowed) {
  write("d/a", "1");
  std::filesystem::create_directory_symlink(m_dir / "d", m_dir / "d/loop");
  EXPECT_EQ(digest("d").size(), 32u);  // terminates despite the cycle
}

TEST_F(DigestTest, MissingPathIsNotFound) {
  auto result = digest_path(m_dir / "nope");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind(), ErrorKind::NotFound);
}

TEST_F(DigestTest, HexRoundTrips) {
  Digest digest = digest_bytes("abc");
  auto parsed = Digest::from_hex(digest.hex());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, digest);
  EXPECT_FALSE(Digest::from_hex("xyz").ok());
}

}  // namespace
}  // namespace mlops
