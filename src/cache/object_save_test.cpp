// ObjectStore::store and the hard-link mode (object_save.cpp), and restoring by link.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "cache/object_store.hpp"

namespace mlops {
namespace {

// A digest memo in memory, recording what it was told.
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
                bool) override {
    entries[path] = {identity, digest};
  }
  std::map<std::string, std::pair<FileIdentity, Digest>> entries;
};

struct stat stat_of(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info;
}

class ObjectSaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("mlops-save-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "ws");
  }
  void TearDown() override {
    std::error_code error;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir, error)) {
      std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add, error);
    }
    std::filesystem::remove_all(dir);
  }
  void write(const std::string& relative, const std::string& text, mode_t mode = 0644) {
    std::filesystem::create_directories((dir / relative).parent_path());
    std::ofstream(dir / relative, std::ios::binary) << text;
    ::chmod((dir / relative).c_str(), mode);
  }
  std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string digest_of(const std::string& relative) {
    return digest_path(dir / relative)->digest.hex();
  }
  std::filesystem::path dir;
};

TEST_F(ObjectSaveTest, StoreHashesAndCopiesWithoutTouchingTheOutput) {
  ObjectStore cache(dir / "cache");
  MapMemo memo;
  for (size_t size : {size_t{0}, size_t{3}, size_t{1} << 20, (size_t{9} << 20) + 5}) {
    std::string bytes(size, 'a');
    for (size_t i = 0; i < size; i += 4096) {
      bytes[i] = static_cast<char>(i / 4096);
    }
    write("ws/out.bin", bytes);
    struct stat before = stat_of(dir / "ws/out.bin");
    auto stored = cache.store(dir / "ws/out.bin", CacheLink::Copy, &memo);
    ASSERT_TRUE(stored.ok()) << stored.error().message();
    ASSERT_TRUE(stored->saved.ok()) << stored->saved.error().message();
    std::string digest = stored->version.digest.hex();
    EXPECT_EQ(digest, digest_of("ws/out.bin")) << size;
    EXPECT_EQ(stored->version.size, size);
    EXPECT_EQ(read(cache.object_path(digest)), bytes);
    EXPECT_EQ(stat_of(cache.object_path(digest)).st_mode & 0777, 0444u);
    EXPECT_NE(stat_of(cache.object_path(digest)).st_ino, before.st_ino);
    EXPECT_EQ(stat_of(dir / "ws/out.bin").st_mode & 0777, 0644u);
    // The memo learnt the digest, so the stages reading the output do not read it again.
    EXPECT_EQ(memo.entries.at((dir / "ws/out.bin").string()).second.hex(), digest);
  }
}

TEST_F(ObjectSaveTest, StoringWhatIsCachedAlreadyLeavesTheObjectAlone) {
  ObjectStore cache(dir / "cache");
  write("ws/a.txt", "same bytes");
  write("ws/b.txt", "same bytes");
  auto first = cache.store(dir / "ws/a.txt", CacheLink::Copy, nullptr);
  ASSERT_TRUE(first.ok() && first->saved.ok());
  std::filesystem::path object = cache.object_path(first->version.digest.hex());
  ino_t inode = stat_of(object).st_ino;
  for (CacheLink link : {CacheLink::Copy, CacheLink::Hardlink}) {
    auto second = cache.store(dir / "ws/b.txt", link, nullptr);
    ASSERT_TRUE(second.ok() && second->saved.ok());
    EXPECT_EQ(second->version.digest, first->version.digest);
    EXPECT_EQ(stat_of(object).st_ino, inode);
    EXPECT_EQ(stat_of(dir / "ws/b.txt").st_mode & 0777, 0644u);  // not linked: left as it was
  }
}

TEST_F(ObjectSaveTest, HardlinkMakesTheOutputItsReadOnlyObject) {
  ObjectStore cache(dir / "cache");
  MapMemo memo;
  write("ws/model.bin", "weights");
  write("ws/run.sh", "#!/bin/sh\n", 0755);
  for (const char* name : {"ws/model.bin", "ws/run.sh"}) {
    auto stored = cache.store(dir / name, CacheLink::Hardlink, &memo);
    ASSERT_TRUE(stored.ok() && stored->saved.ok());
    std::filesystem::path object = cache.object_path(stored->version.digest.hex());
    struct stat out = stat_of(dir / name);
    EXPECT_EQ(out.st_ino, stat_of(object).st_ino);
    EXPECT_EQ(out.st_nlink, 2u);
    EXPECT_EQ(out.st_mode & 0222, 0u);  // read-only for everyone
    // The chmod and the link changed the ctime: the memo knows the new identity.
    FileIdentity now{static_cast<uint64_t>(out.st_dev), static_cast<uint64_t>(out.st_ino),
                     static_cast<uint64_t>(out.st_size),
                     out.st_mtim.tv_sec * 1000000000LL + out.st_mtim.tv_nsec,
                     out.st_ctim.tv_sec * 1000000000LL + out.st_ctim.tv_nsec};
    EXPECT_EQ(memo.find((dir / name).string(), now), stored->version.digest);
  }
  EXPECT_EQ(stat_of(dir / "ws/run.sh").st_mode & 0777, 0555u);  // still executable
  EXPECT_EQ(stat_of(dir / "ws/model.bin").st_mode & 0777, 0444u);
}

TEST_F(ObjectSaveTest, HardlinkNeverLinksALinkTargetOrAFileWithOtherNames) {
  ObjectStore cache(dir / "cache");
  write("outside/secret.txt", "not an output");
  std::filesystem::create_symlink(dir / "outside/secret.txt", dir / "ws/link.txt");
  write("ws/shared.txt", "also a dep");
  std::filesystem::create_hard_link(dir / "ws/shared.txt", dir / "ws/dep.txt");
  for (const char* name : {"ws/link.txt", "ws/shared.txt"}) {
    auto stored = cache.store(dir / name, CacheLink::Hardlink, nullptr);
    ASSERT_TRUE(stored.ok() && stored->saved.ok()) << name;
    std::filesystem::path object = cache.object_path(stored->version.digest.hex());
    EXPECT_EQ(read(object), read(dir / name));
    EXPECT_NE(stat_of(object).st_ino, stat_of(std::filesystem::canonical(dir / name)).st_ino);
  }
  EXPECT_EQ(stat_of(dir / "outside/secret.txt").st_mode & 0777, 0644u);
  EXPECT_EQ(stat_of(dir / "ws/dep.txt").st_mode & 0777, 0644u);
  EXPECT_EQ(stat_of(dir / "ws/dep.txt").st_nlink, 2u);
}

TEST_F(ObjectSaveTest, ASaveWhoseBytesDoNotMatchTheDigestLeavesNothing) {
  ObjectStore cache(dir / "cache");
  write("ws/out.txt", "actual bytes");
  std::string wrong = digest_bytes("other bytes").hex();
  for (CacheLink link : {CacheLink::Copy, CacheLink::Hardlink}) {
    Status saved = cache.save(dir / "ws/out.txt", wrong, false, nullptr, link);
    ASSERT_FALSE(saved.ok());
    EXPECT_EQ(saved.error().message(),
              (dir / "ws/out.txt").string() + " changed while it was being cached");
    EXPECT_FALSE(cache.has(wrong, false));
    EXPECT_EQ(stat_of(dir / "ws/out.txt").st_mode & 0777, 0644u);
    EXPECT_EQ(stat_of(dir / "ws/out.txt").st_nlink, 1u);
  }
  // Nor is a temporary file left in the fan-out directory.
  std::filesystem::path fan_out = cache.object_path(wrong).parent_path();
  EXPECT_TRUE(!std::filesystem::exists(fan_out) || std::filesystem::is_empty(fan_out));
}

TEST_F(ObjectSaveTest, HardlinkRestoreLinksTheVerifiedObject) {
  ObjectStore cache(dir / "cache");
  MapMemo memo;
  write("ws/out.txt", "result");
  auto stored = cache.store(dir / "ws/out.txt", CacheLink::Copy, nullptr);
  ASSERT_TRUE(stored.ok() && stored->saved.ok());
  std::string digest = stored->version.digest.hex();
  write("ws/out.txt", "edited");
  ASSERT_TRUE(cache.restore(digest, false, dir / "ws/out.txt", CacheLink::Hardlink, &memo).ok());
  EXPECT_EQ(read(dir / "ws/out.txt"), "result");
  EXPECT_EQ(stat_of(dir / "ws/out.txt").st_ino, stat_of(cache.object_path(digest)).st_ino);
  EXPECT_EQ(memo.entries.at((dir / "ws/out.txt").string()).second.hex(), digest);
  // A copy restore replaces the link with a file of its own.
  ASSERT_TRUE(cache.restore(digest, false, dir / "ws/out.txt", CacheLink::Copy).ok());
  EXPECT_NE(stat_of(dir / "ws/out.txt").st_ino, stat_of(cache.object_path(digest)).st_ino);
  EXPECT_EQ(stat_of(cache.object_path(digest)).st_nlink, 1u);
}

TEST_F(ObjectSaveTest, HardlinkRestoreOfACorruptObjectQuarantinesIt) {
  ObjectStore cache(dir / "cache");
  write("ws/out.txt", "good");
  auto stored = cache.store(dir / "ws/out.txt", CacheLink::Hardlink, nullptr);
  ASSERT_TRUE(stored.ok() && stored->saved.ok());
  std::string digest = stored->version.digest.hex();
  // An in-place edit through the link (as root, or after a chmod) reaches the object.
  ::chmod((dir / "ws/out.txt").c_str(), 0644);
  std::ofstream(dir / "ws/out.txt", std::ios::binary | std::ios::trunc) << "evil";
  Status restored = cache.restore(digest, false, dir / "ws/out.txt", CacheLink::Hardlink);
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.error().kind(), ErrorKind::Corrupt);
  EXPECT_FALSE(cache.has(digest, false));
  EXPECT_EQ(read(dir / "ws/out.txt"), "evil");  // untouched; nothing of it restored anywhere
}

TEST_F(ObjectSaveTest, HardlinkDirectoryRoundTripKeepsModesAndLinks) {
  ObjectStore cache(dir / "cache");
  write("ws/d/a.csv", "1\n");
  write("ws/d/bin/tool", "#!/bin/sh\n", 0755);
  std::filesystem::create_symlink("a.csv", dir / "ws/d/link");
  auto stored = cache.store(dir / "ws/d", CacheLink::Hardlink, nullptr);
  ASSERT_TRUE(stored.ok() && stored->saved.ok());
  std::string digest = stored->version.digest.hex();
  EXPECT_TRUE(stored->version.is_directory);
  EXPECT_TRUE(cache.has(digest, true));
  EXPECT_EQ(stat_of(dir / "ws/d/a.csv").st_nlink, 2u);
  std::filesystem::remove_all(dir / "ws/d");
  ASSERT_TRUE(cache.restore(digest, true, dir / "ws/d", CacheLink::Hardlink).ok());
  EXPECT_EQ(digest_path(dir / "ws/d")->digest.hex(), digest);
  EXPECT_EQ(stat_of(dir / "ws/d/a.csv").st_nlink, 2u);
  EXPECT_EQ(stat_of(dir / "ws/d/bin/tool").st_mode & 0777, 0555u);
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "ws/d/link"));
}

}  // namespace
}  // namespace mlops
