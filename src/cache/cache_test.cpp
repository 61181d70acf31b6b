#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cache/fingerprint.hpp"
#include "cache/object_store.hpp"
#include "cache/restore_temps.hpp"
#include "spec/spec_test_util.hpp"

namespace mlops {
namespace {

Stage stage_of(const std::string& text) {
  auto result = testing::load_text(text);
  EXPECT_TRUE(result.pipeline) << result.diagnostics[0].message;
  return result.pipeline->stages[0];
}

const char* k_base = "version: 1\nname: p\nparams: {lr: 0.1, other: 1}\nstages:\n";

TEST(FingerprintTest, KnownAnswerPinsTheFormat) {
  Stage stage = stage_of(std::string(k_base) +
                         "  t: {run: 'train ${params.lr}', deps: [d.csv], outs: [m.pkl]}\n");
  ParamMap params = testing::load_text(std::string(k_base) + "  t: {run: x}\n").pipeline->params;
  // Changing the fingerprint format must change k_fingerprint_salt; this value pins it.
  EXPECT_EQ(stage_fingerprint(stage, params, {{"d.csv", "00112233445566778899aabbccddeeff"}}),
            "81dab6050ce680d96d8e1a9068f08a46");
}

TEST(FingerprintTest, ChangesWithEveryInputThatMatters) {
  std::string base = std::string(k_base) +
                     "  t: {run: 'train ${params.lr}', deps: [d.csv], "
                     "outs: [m.pkl], env: {A: '1'}}\n";
  ParamMap params = testing::load_text(base).pipeline->params;
  Stage stage = stage_of(base);
  std::string reference = stage_fingerprint(stage, params, {{"d.csv", "aa"}});
  EXPECT_EQ(stage_fingerprint(stage, params, {{"d.csv", "aa"}}), reference);  // deterministic
  EXPECT_NE(stage_fingerprint(stage, params, {{"d.csv", "bb"}}), reference);  // dep content
  EXPECT_NE(stage_fingerprint(stage, params, {}), reference);                 // dep missing
  ParamMap changed = params;
  changed["lr"].text = "0.2";
  EXPECT_NE(stage_fingerprint(stage, changed, {{"d.csv", "aa"}}), reference);
  ParamMap unrelated = params;
  unrelated["other"].text = "2";  // not referenced by the stage
  EXPECT_EQ(stage_fingerprint(stage, unrelated, {{"d.csv", "aa"}}), reference);
  Stage env = stage;
  env.env.back().second = "2";
  EXPECT_NE(stage_fingerprint(env, params, {{"d.csv", "aa"}}), reference);
  Stage outs = stage;
  outs.out_types[0] = "model";
  EXPECT_NE(stage_fingerprint(outs, params, {{"d.csv", "aa"}}), reference);
}

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("mlops-cache-test-" + std::to_string(::getpid()) + "-" +
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
  void write(const std::string& relative, const std::string& text) {
    std::filesystem::create_directories((dir / relative).parent_path());
    std::ofstream(dir / relative, std::ios::binary) << text;
  }
  std::string read(const std::string& relative) {
    std::ifstream in(dir / relative, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::path dir;
};

TEST_F(ObjectStoreTest, FileRoundTripIsByteIdenticalAndTheObjectReadOnly) {
  ObjectStore cache(dir / "cache");
  write("ws/m.pkl", std::string(100000, 'x') + "end");
  std::string digest = digest_path(dir / "ws/m.pkl")->digest.hex();
  EXPECT_FALSE(cache.has(digest, false));
  ASSERT_TRUE(cache.save(dir / "ws/m.pkl", digest, false, nullptr).ok());
  EXPECT_TRUE(cache.has(digest, false));
  struct stat info {};
  ASSERT_EQ(::stat(cache.object_path(digest).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0444u);
  write("ws/m.pkl", "changed by hand");
  ASSERT_TRUE(cache.restore(digest, false, dir / "ws/m.pkl").ok());
  EXPECT_EQ(read("ws/m.pkl"), std::string(100000, 'x') + "end");
  EXPECT_EQ(digest_path(dir / "ws/m.pkl")->digest.hex(), digest);
  EXPECT_FALSE(cache.restore("00000000000000000000000000000000", false, dir / "ws/x").ok());
}

TEST_F(ObjectStoreTest, DirectoryRoundTripRebuildsTheTree) {
  ObjectStore cache(dir / "cache");
  write("ws/d/a.csv", "1\n");
  write("ws/d/sub/b.csv", "2\n");
  std::filesystem::create_symlink("a.csv", dir / "ws/d/link");
  std::string digest = digest_path(dir / "ws/d")->digest.hex();
  ASSERT_TRUE(cache.save(dir / "ws/d", digest, true, nullptr).ok());
  EXPECT_TRUE(cache.has(digest, true));
  std::filesystem::remove_all(dir / "ws/d");
  write("ws/d/stale.csv", "old");
  ASSERT_TRUE(cache.restore(digest, true, dir / "ws/d").ok());
  EXPECT_EQ(read("ws/d/sub/b.csv"), "2\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "ws/d/stale.csv"));
  EXPECT_EQ(digest_path(dir / "ws/d")->digest.hex(), digest);
}

TEST_F(ObjectStoreTest, ACorruptObjectIsQuarantinedNotRestored) {
  ObjectStore cache(dir / "cache");
  write("ws/m.pkl", "good bytes");
  std::string digest = digest_path(dir / "ws/m.pkl")->digest.hex();
  ASSERT_TRUE(cache.save(dir / "ws/m.pkl", digest, false, nullptr).ok());
  std::filesystem::permissions(cache.object_path(digest), std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(cache.object_path(digest), std::ios::trunc) << "evil bytes";
  write("ws/m.pkl", "current");
  Status restored = cache.restore(digest, false, dir / "ws/m.pkl");
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(restored.error().message().find("quarantine"), std::string::npos);
  EXPECT_EQ(read("ws/m.pkl"), "current");  // untouched
  EXPECT_FALSE(cache.has(digest, false));
  EXPECT_FALSE(std::filesystem::is_empty(dir / "cache/quarantine"));
}

TEST_F(ObjectStoreTest, VerifyFindsEveryBadObjectAndManifest) {
  ObjectStore cache(dir / "cache");
  write("ws/d/a.csv", "1\n");
  write("ws/d/b.csv", "2\n");
  std::string tree = digest_path(dir / "ws/d")->digest.hex();
  ASSERT_TRUE(cache.save(dir / "ws/d", tree, true, nullptr).ok());
  auto clean = cache.verify();
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->objects_checked, 3u);
  EXPECT_TRUE(clean->problems.empty());
  std::string a = digest_path(dir / "ws/d/a.csv")->digest.hex();
  for (const auto& path :
       {cache.object_path(a), std::filesystem::path(cache.object_path(tree).string() + ".dir")}) {
    std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::ofstream(path, std::ios::trunc) << "[1]";
  }
  auto found = cache.verify();
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->problems.size(), 2u);
  EXPECT_EQ(cache.verify()->objects_checked, 1u);  // the bad ones are gone
}

TEST(ManifestTest, RefusesEntriesThatCouldLeaveTheDirectory) {
  std::string d(32, 'a');
  EXPECT_TRUE(parse_manifest(R"([{"path": "a/b", "digest": ")" + d + R"(", "executable": true},
                                 {"path": "l", "link": "/anywhere"}])")
                  .ok());
  for (const std::string& bad : {
           std::string("{not json"),
           std::string(R"({"path": "a"})"),
           std::string(R"([{"path": 1, "digest": 5}])"),
           R"([{"path": "../x", "digest": ")" + d + R"("}])",
           R"([{"path": "/etc/x", "digest": ")" + d + R"("}])",
           R"([{"path": "a//b", "digest": ")" + d + R"("}])",
           R"([{"path": ".mlops/x", "digest": ")" + d + R"("}])",
           R"([{"path": "l", "link": "/tmp"}, {"path": "l/x", "digest": ")" + d + R"("}])",
           R"([{"path": "a", "digest": ")" + d + R"("}, {"path": "a", "digest": ")" + d + R"("}])",
           std::string(R"([{"path": "a", "digest": "../../../etc/passwd"}])"),
           R"([{"path": "a", "digest": ")" + d + R"(", "link": "b"}])",
           R"([{"path": "a", "digest": ")" + d + R"(", "executable": "yes"}])",
       }) {
    auto parsed = parse_manifest(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::Corrupt) << bad;
  }
}

TEST_F(ObjectStoreTest, SweepRemovesOnlyWhatIsNotLive) {
  ObjectStore cache(dir / "cache");
  write("ws/keep.txt", "keep");
  write("ws/drop.txt", "drop");
  write("ws/d/a.csv", "in a kept directory");
  std::string keep = digest_path(dir / "ws/keep.txt")->digest.hex();
  std::string drop = digest_path(dir / "ws/drop.txt")->digest.hex();
  std::string tree = digest_path(dir / "ws/d")->digest.hex();
  std::string member = digest_path(dir / "ws/d/a.csv")->digest.hex();
  for (const auto& [path, digest, directory] :
       {std::tuple{"ws/keep.txt", keep, false}, std::tuple{"ws/drop.txt", drop, false},
        std::tuple{"ws/d", tree, true}}) {
    ASSERT_TRUE(cache.save(dir / path, digest, directory, nullptr).ok());
  }
  std::set<std::string> live;
  cache.add_live(keep, false, live);
  cache.add_live(tree, true, live);
  EXPECT_EQ(live, (std::set<std::string>{keep, tree, member}));
  // A crashed writer's old temporary file goes; a fresh one may still be written to.
  std::string fan_out = "cache/objects/" + keep.substr(0, 2) + "/";
  write(fan_out + keep.substr(2) + ".tmp-0123456789abcdef", "partial");
  write(fan_out + "0123456789abcdef0123456789abcd.dir.tmp-01234567", "partial manifest");
  std::filesystem::last_write_time(
      dir / (fan_out + keep.substr(2) + ".tmp-0123456789abcdef"),
      std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  // Not the cache's: left alone, and a symlink is never followed.
  write(fan_out + "README", "not an object");
  std::string link_prefix;
  for (int i = 0; i < 256 && link_prefix.empty(); ++i) {
    std::string prefix = fmt::format("{:02x}", i);
    if (!std::filesystem::exists(dir / "cache/objects" / prefix)) {
      link_prefix = prefix;
    }
  }
  std::string outside_name = "0123456789abcdef0123456789abcd";
  write("outside/" + outside_name, "outside the cache");
  std::filesystem::create_directory_symlink(dir / "outside", dir / "cache/objects" / link_prefix);
  std::filesystem::create_symlink(dir / "outside" / outside_name,
                                  dir / (fan_out + "fedcba9876543210fedcba98765432"));
  std::filesystem::create_directories(dir / "cache/objects/zz");

  auto dry = cache.sweep(live, SweepMode::DryRun);
  ASSERT_TRUE(dry.ok()) << dry.error().message();
  EXPECT_EQ(dry->objects_removed, 1u);
  EXPECT_EQ(dry->temp_files_removed, 1u);
  EXPECT_EQ(dry->bytes_freed, 4u + 7u);
  EXPECT_TRUE(cache.has(drop, false));

  auto swept = cache.sweep(live, SweepMode::Remove);
  ASSERT_TRUE(swept.ok()) << swept.error().message();
  EXPECT_EQ(swept->objects_removed, 1u);
  EXPECT_EQ(swept->temp_files_removed, 1u);
  EXPECT_FALSE(cache.has(drop, false));
  EXPECT_TRUE(cache.has(keep, false));
  EXPECT_TRUE(cache.has(tree, true));
  EXPECT_FALSE(std::filesystem::exists(dir / (fan_out + keep.substr(2) + ".tmp-0123456789abcdef")));
  EXPECT_TRUE(
      std::filesystem::exists(dir / (fan_out + "0123456789abcdef0123456789abcd.dir.tmp-01234567")));
  EXPECT_EQ(read(fan_out + "README"), "not an object");
  EXPECT_EQ(read("outside/" + outside_name), "outside the cache");
  EXPECT_TRUE(std::filesystem::is_symlink(dir / (fan_out + "fedcba9876543210fedcba98765432")));
  // Nothing cached at all is an empty sweep, not an error.
  auto empty = ObjectStore(dir / "no-cache").sweep({}, SweepMode::Remove);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->objects_removed, 0u);
}

TEST(RestoreTempsTest, RecognisesOnlyOurTemporaryNamesOfTheTarget) {
  EXPECT_TRUE(is_restore_temp_name("m.pkl.tmp-0123456789abcdef", "m.pkl"));
  EXPECT_TRUE(is_restore_temp_name("m.pkl.tmp-0123abcd", "m.pkl"));
  for (const char* name : {"m.pkl", "m.pkl.tmp-", "m.pkl.tmp-0123456789ABCDEF", "m.pkl.tmp-012",
                           "m.pkl.tmp-0123456789abcdef0", "m.pkl.tmp-notes", "x.pkl.tmp-0123abcd",
                           "m.pk.tmp-0123abcd", "m.pkl.bak-0123abcd"}) {
    EXPECT_FALSE(is_restore_temp_name(name, "m.pkl")) << name;
  }
}

TEST_F(ObjectStoreTest, RestoreTempsAreRemovedBesideTargetsOnly) {
  write("ws/out/m.pkl.tmp-0123456789abcdef", "partial");
  write("ws/out/m.pkl.tmp-fedcba9876543210/a.txt", "partial tree");
  write("ws/out/m.pkl.tmp-notes", "keep");
  write("ws/out/other.tmp-0123456789abcdef", "keep");
  write("ws/top.csv.tmp-0123abcd", "partial");
  write("outside/m.pkl.tmp-0123456789abcdef", "victim");
  std::filesystem::create_directory_symlink(dir / "outside", dir / "ws/linked");
  // A temporary name that is a link: the link goes, never what it points to.
  std::filesystem::create_directory_symlink(dir / "outside",
                                            dir / "ws/out/m.pkl.tmp-00000000aaaaaaaa");
  size_t removed = remove_restore_temps(
      dir / "ws",
      {"out/m.pkl", "top.csv", "linked/m.pkl", "../outside/m.pkl", "/abs/m.pkl", "missing/m.pkl"});
  EXPECT_EQ(removed, 4u);
  EXPECT_FALSE(std::filesystem::exists(
      std::filesystem::symlink_status(dir / "ws/out/m.pkl.tmp-00000000aaaaaaaa")));
  EXPECT_FALSE(std::filesystem::exists(dir / "ws/out/m.pkl.tmp-0123456789abcdef"));
  EXPECT_FALSE(std::filesystem::exists(dir / "ws/out/m.pkl.tmp-fedcba9876543210"));
  EXPECT_FALSE(std::filesystem::exists(dir / "ws/top.csv.tmp-0123abcd"));
  EXPECT_EQ(read("ws/out/m.pkl.tmp-notes"), "keep");
  EXPECT_EQ(read("ws/out/other.tmp-0123456789abcdef"), "keep");
  EXPECT_EQ(read("outside/m.pkl.tmp-0123456789abcdef"), "victim");
}

}  // namespace
}  // namespace mlops
