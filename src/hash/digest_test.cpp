#include "hash/digest.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <map>

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

namespace mlops {
namespace {

class MapMemo final : public DigestMemo {
 public:
  std::optional<Digest> find(const std::string& path, const FileIdentity& identity) override {
    auto it = entries.find(path);
    if (it == entries.end() || !(it->second.first == identity)) {
      return std::nullopt;
    }
    return it->second.second;
  }
  void remember(const std::string& path, const FileIdentity& identity, const Digest& digest,
                bool settled) override {
    if (settled) {
      entries[path] = {identity, digest};
    } else {
      ++unsettled;
    }
  }
  int unsettled = 0;
  std::map<std::string, std::pair<FileIdentity, Digest>> entries;
};

TEST_F(DigestTest, MemoSkipsUnchangedFilesAndSeesChangedOnes) {
  write("d/a", "1");
  write("d/b", "2");
  MapMemo memo;
  DigestCounters first;
  auto one = digest_path(m_dir / "d", &memo, &first);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(first.files_read, 2u);
  // Files changed within the last two seconds are offered as unsettled only.
  EXPECT_TRUE(memo.entries.empty());
  EXPECT_EQ(memo.unsettled, 2);
  // Pretend they were remembered earlier with the same identity: the second pass reads nothing.
  for (const char* name : {"d/a", "d/b"}) {
    struct stat info {};
    ASSERT_EQ(::stat((m_dir / name).c_str(), &info), 0);
    FileIdentity identity{static_cast<uint64_t>(info.st_dev), static_cast<uint64_t>(info.st_ino),
                          static_cast<uint64_t>(info.st_size),
                          info.st_mtim.tv_sec * 1000000000LL + info.st_mtim.tv_nsec,
                          info.st_ctim.tv_sec * 1000000000LL + info.st_ctim.tv_nsec};
    memo.entries[(m_dir / name).string()] = {identity, digest_path(m_dir / name)->digest};
  }
  DigestCounters second;
  auto two = digest_path(m_dir / "d", &memo, &second);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(second.files_read, 0u);
  EXPECT_EQ(second.memo_hits, 2u);
  EXPECT_EQ(two->digest, one->digest);
  write("d/b", "3");  // new content, new identity
  DigestCounters third;
  auto three = digest_path(m_dir / "d", &memo, &third);
  EXPECT_EQ(third.files_read, 1u);
  EXPECT_NE(three->digest, one->digest);
}

}  // namespace
}  // namespace mlops
