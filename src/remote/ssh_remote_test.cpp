// The SSH remote through the Remote interface, against the server scripts/sshd-server.sh starts
// (skipped without it): names that are not digests refused, eight threads at once, run-cache
// entries replaced whole, and which temporary files publish() sweeps.
#include <cstdlib>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "hash/digest.hpp"
#include "remote/remote.hpp"
#include "util/file_io.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

using testing::TempDir;

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

class SshRemoteUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (env_or_empty("MLOPS_TEST_SSH_URL").empty()) {
      GTEST_SKIP() << "SSH remote tests skipped: MLOPS_TEST_SSH_URL is not set (start "
                      "scripts/sshd-server.sh)";
    }
    ::setenv("MLOPS_SSH_KEY", env_or_empty("MLOPS_TEST_SSH_KEY").c_str(), 1);
    ::setenv("MLOPS_SSH_KNOWN_HOSTS", env_or_empty("MLOPS_TEST_SSH_KNOWN_HOSTS").c_str(), 1);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root = std::filesystem::path(env_or_empty("MLOPS_TEST_SSH_ROOT")) /
           ("unit-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root / "inside");
    auto opened = open_remote(env_or_empty("MLOPS_TEST_SSH_URL") + (root / "inside").string());
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    remote = std::move(*opened);
  }
  void TearDown() override {
    remote.reset();
    ::unsetenv("MLOPS_SSH_KEY");
    ::unsetenv("MLOPS_SSH_KNOWN_HOSTS");
    if (!root.empty() && !HasFailure()) {
      std::filesystem::remove_all(root);
    }
  }
  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    auto path = dir.path() / name;
    EXPECT_TRUE(write_file_atomic(path, bytes).ok());
    return path;
  }

  TempDir dir;
  std::filesystem::path root;
  std::unique_ptr<Remote> remote;
};

TEST_F(SshRemoteUnitTest, NamesThatAreNotDigestsAreRefusedBeforeAnythingIsSent) {
  auto source = write("a.txt", "hello");
  for (const std::string& name :
       std::vector<std::string>{"../../outside-xxxxxxxxxxxxxxxxxxxx", "ABCDEF", "",
                                std::string(30, 'a') + "/.", std::string(32, 'g')}) {
    EXPECT_FALSE(remote->put(name, false, source).ok()) << name;
    EXPECT_FALSE(remote->has(name, false).ok()) << name;
    EXPECT_FALSE(remote->get(name, true, dir.path() / "back").ok()) << name;
  }
  EXPECT_FALSE(remote->put_entry("runcache/../../outside", "x").ok());
  EXPECT_FALSE(remote->get_entry("../" + std::string(32, 'a')).ok());
  ASSERT_TRUE(remote->publish().ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "back"));
  size_t outside = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    outside += entry.path().string().starts_with((root / "inside").string()) ? 0 : 1;
  }
  EXPECT_EQ(outside, 0u);
}

TEST_F(SshRemoteUnitTest, EightThreadsPutAndGetAtOnce) {
  constexpr int k_threads = 8;
  constexpr int k_each = 12;
  std::vector<std::pair<std::string, std::filesystem::path>> objects;
  for (int i = 0; i < k_threads * k_each; ++i) {
    std::string bytes = "object " + std::to_string(i) + std::string(size_t(i) * 997, 'x');
    objects.emplace_back(digest_bytes(bytes).hex(), write(std::to_string(i), bytes));
  }
  auto in_threads = [&](auto body) {
    std::vector<std::thread> threads;
    std::vector<int> failures(k_threads, 0);
    for (int t = 0; t < k_threads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < static_cast<int>(objects.size()); i += k_threads) {
          failures[t] += body(i) ? 0 : 1;
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    int total = 0;
    for (int failed : failures) {
      total += failed;
    }
    return total;
  };
  EXPECT_EQ(in_threads([&](int i) {
              return remote->put(objects[i].first, false, objects[i].second).ok();
            }),
            0);
  ASSERT_TRUE(remote->publish().ok());
  EXPECT_EQ(in_threads([&](int i) {
              auto back = dir.path() / ("back-" + std::to_string(i));
              return remote->get(objects[i].first, false, back).ok() &&
                     *read_file(back, 1 << 20) == *read_file(objects[i].second, 1 << 20) &&
                     *remote->has(objects[i].first, false);
            }),
            0);
  EXPECT_FALSE(std::filesystem::exists(root / "inside/tmp") &&
               !std::filesystem::is_empty(root / "inside/tmp"));
}

TEST_F(SshRemoteUnitTest, AnEntryIsReplacedWhole) {
  std::string name = "runcache/" + std::string(32, 'c');
  auto none = remote->get_entry(name);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(remote->put_entry(name, "first").ok());
  ASSERT_TRUE(remote->put_entry(name, "second, longer").ok());
  auto got = remote->get_entry(name);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value_or(""), "second, longer");
}

TEST_F(SshRemoteUnitTest, PublishSweepsOnlyTemporariesLeftForAWhile) {
  auto tmp = root / "inside/tmp";
  std::filesystem::create_directories(tmp);
  std::string digest(32, 'd');
  for (const std::string& name :
       std::vector<std::string>{digest + ".tmp-old", digest + ".tmp-new", "notes.txt"}) {
    ASSERT_TRUE(write_file_atomic(tmp / name, "partial").ok());
  }
  auto old_time = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
  std::filesystem::last_write_time(tmp / (digest + ".tmp-old"), old_time);
  std::filesystem::last_write_time(tmp / "notes.txt", old_time);
  ASSERT_TRUE(remote->publish().ok());
  EXPECT_FALSE(std::filesystem::exists(tmp / (digest + ".tmp-old")));
  EXPECT_TRUE(std::filesystem::exists(tmp / (digest + ".tmp-new")));  // maybe still uploading
  EXPECT_TRUE(std::filesystem::exists(tmp / "notes.txt"));            // not a name mlops makes
}

TEST_F(SshRemoteUnitTest, AMissingObjectIsNotFound) {
  auto got = remote->get(std::string(32, 'e'), false, dir.path() / "back");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind(), ErrorKind::NotFound);
  EXPECT_FALSE(*remote->has(std::string(32, 'e'), true));
}

}  // namespace
}  // namespace mlops
