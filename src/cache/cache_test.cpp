#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "cache/fingerprint.hpp"
#include "cache/object_store.hpp"
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

}  // namespace
}  // namespace mlops
