// Remotes under attack (docs/remotes.md, issue 16): a tampered directory remote, URLs carrying
// passwords, and what killed pushes leave behind. Each test is a problem an adversary found.
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "e2e/remote_fixture.hpp"

namespace mlops::e2e {
namespace {

class RemoteAttackTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    ws.write("pipeline.yaml", k_remote_pipeline);
    std::filesystem::create_directories(ws / "remote");
    remote = (ws / "remote").string();
  }

  // A second workspace with the same pipeline and nothing else (another machine's clone).
  std::filesystem::path clone() {
    std::filesystem::path other = ws / "clone";
    std::filesystem::create_directories(other / ".mlops");
    std::filesystem::copy_file(ws / "pipeline.yaml", other / "pipeline.yaml");
    return other;
  }

  // Runs mlops in `dir` through the shell, killed after 30 s: a test of a hang must not hang.
  ShellResult bounded(const std::filesystem::path& dir, const std::string& args) {
    return run_shell("cd '" + dir.string() + "' && timeout -s KILL 30 '" + mlops_binary().string() +
                     "' " + args + " 2>&1; echo \"exit=$?\"");
  }

  // The remote's files whose names end with `suffix` (or all).
  std::vector<std::filesystem::path> remote_files(const std::string& suffix = "") {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(ws / "remote")) {
      if (entry.is_regular_file() && entry.path().string().ends_with(suffix)) {
        found.push_back(entry.path());
      }
    }
    return found;
  }

  std::string remote;
};

// A FIFO in a remote directory where an object or a run-cache entry belongs (or a link to
// /dev/zero, which never ends) used to hang `run --pull` forever, or fill the local disk: such
// a file is refused without reading it, and the stage runs.
TEST_F(RemoteAttackTest, AFifoInTheRemoteDoesNotHangARunOrAPull) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  for (const auto& object : remote_files()) {
    if (object.parent_path().parent_path().filename() == "objects" &&
        object.extension() != ".dir") {
      std::filesystem::remove(object);
      ASSERT_EQ(::mkfifo(object.c_str(), 0644), 0);
    }
  }
  std::filesystem::path other = clone();
  auto ran = bounded(other, "run --pull --remote '" + remote + "' pipeline.yaml");
  EXPECT_NE(ran.out.find("exit=0"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("is not a regular file: refused"), std::string::npos) << ran.out;
  EXPECT_EQ(ws.read("clone/model.txt"), "m\n");  // the stage ran
  std::filesystem::remove_all(ws / ".mlops/cache");
  auto pulled = bounded(ws.path(), "pull --remote '" + remote + "'");
  EXPECT_NE(pulled.out.find("exit=1"), std::string::npos) << pulled.out;
  for (const auto& entry : std::filesystem::directory_iterator(ws / "remote/runcache")) {
    std::filesystem::remove(entry.path());
    ASSERT_EQ(::mkfifo(entry.path().c_str(), 0644), 0);
  }
  std::filesystem::remove_all(other);
  other = clone();
  auto looked = bounded(other, "run --pull --remote '" + remote + "' pipeline.yaml");
  EXPECT_NE(looked.out.find("exit=0"), std::string::npos) << looked.out;
  EXPECT_NE(looked.out.find("never ran"), std::string::npos) << looked.out;
}

// A password in a remote's URL is refused, and never repeated in a message (the SSH remote did
// so already; the others echoed the URL whole).
TEST_F(RemoteAttackTest, APasswordInARemoteUrlIsRefusedAndNeverShown) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  for (const std::string& url : std::vector<std::string>{
           "https://AKIAEXAMPLE:Sup3rSecretXyz@minio.example/bucket",
           "s3://AKIAEXAMPLE:Sup3rSecretXyz@bucket/prefix", "file://me:Sup3rSecretXyz@" + remote}) {
    for (const char* verb : {"push", "pull"}) {
      auto refused = mlops({verb, "--remote", url, "--json"});
      EXPECT_EQ(refused.exit_code, 2) << url;
      EXPECT_EQ((refused.out + refused.err).find("Sup3rSecretXyz"), std::string::npos)
          << refused.out << refused.err;
      EXPECT_NE(refused.err.find("a password is never accepted"), std::string::npos) << refused.err;
    }
    auto run = run_mlops({"run", "--pull", "pipeline.yaml"},
                         {ws.path(), {"MLOPS_REMOTE=" + url}, std::nullopt});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ((run.out + run.err).find("Sup3rSecretXyz"), std::string::npos) << run.err;
  }
}

TEST_F(RemoteAttackTest, ARemoteThatIsAFileIsNotCalledMissing) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto refused = mlops({"push", "--remote", (ws / "pipeline.yaml").string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("is not a directory"), std::string::npos) << refused.err;
}

// A push killed before it published (kill -9 while it copies or syncs) left every object it had
// copied under a temporary name beside the objects, for ever: a remote pushed to by flaky CI
// jobs grew without bound. They are now in tmp/pending/, and a later push removes those nobody
// has written to for a day; nothing of a push is left there when it completes.
TEST_F(RemoteAttackTest, WhatAKilledPushLeftIsSweptByTheNextPush) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::filesystem::create_directories(ws / "remote/tmp/pending");
  ws.write("remote/tmp/pending/0123456789abcdef0123456789abcdef.tmp-00000000deadbeef", "old");
  ws.write("remote/tmp/pending/fedcba9876543210fedcba9876543210.tmp-00000000cafef00d", "new");
  std::filesystem::last_write_time(
      ws / "remote/tmp/pending/0123456789abcdef0123456789abcdef.tmp-00000000deadbeef",
      std::filesystem::file_time_type::clock::now() - std::chrono::hours(48));
  auto pushed = mlops({"push", "--remote", remote});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  auto temps = remote_files();
  std::vector<std::string> names;
  for (const auto& path : temps) {
    if (path.filename().string().find(".tmp-") != std::string::npos) {
      names.push_back(path.filename().string());
    }
  }
  ASSERT_EQ(names.size(), 1u);  // only the fresh one: it may be a live push's
  EXPECT_EQ(names[0], "fedcba9876543210fedcba9876543210.tmp-00000000cafef00d");
  EXPECT_EQ(remote_files(".dir").size(), 1u);
}

// `mlops pull NAME` of an output whose path has no `/` or `.` and is not in the workspace yet
// (what a fresh clone pulls) was taken for a run id: "no run 'models'".
TEST_F(RemoteAttackTest, PullOfAPlainOutputNameMissingFromTheWorkspaceIsAPath) {
  ws.write("pipeline.yaml", R"(version: 1
name: plain
stages:
  make:
    run: mkdir -p models && echo w > models/w && echo m > model
    outs: [models, model]
)");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  std::filesystem::remove_all(ws / ".mlops/cache");
  std::filesystem::remove_all(ws / "models");
  std::filesystem::remove(ws / "model");
  auto pulled = mlops({"pull", "--remote", remote, "models", "--json"});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("\"transferred\": 2"), std::string::npos) << pulled.out;  // + manifest
  auto unknown = mlops({"pull", "--remote", remote, "nosuchthing"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no run 'nosuchthing'"), std::string::npos) << unknown.err;
  auto both = mlops({"pull", "--remote", remote, "latest", "model"});
  EXPECT_EQ(both.exit_code, 0) << both.err;
  ASSERT_EQ(mlops({"checkout", "latest"}).exit_code, 0);
  EXPECT_EQ(ws.read("models/w"), "w\n");
  EXPECT_EQ(ws.read("model"), "m\n");
}

// An object in a directory remote that is a link (to a secret file of the puller's machine) was
// followed: its bytes copied into the cache to be hashed. It is refused unread, and the next push
// puts the real object in its place.
TEST_F(RemoteAttackTest, AnObjectThatIsALinkIsRefusedAndReplacedByTheNextPush) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  ws.write("secret.txt", "top secret\n");
  for (const auto& object : remote_files()) {
    if (object.parent_path().parent_path().filename() == "objects" &&
        object.extension() != ".dir") {
      std::filesystem::remove(object);
      std::filesystem::create_symlink(ws / "secret.txt", object);
    }
  }
  std::filesystem::remove_all(ws / ".mlops/cache");
  auto pulled = mlops({"pull", "--remote", remote});
  EXPECT_EQ(pulled.exit_code, 1);
  EXPECT_NE(pulled.err.find("is a symbolic link, not an object: refused"), std::string::npos)
      << pulled.err;
  ASSERT_EQ(mlops({"run", "--force", "pipeline.yaml"}).exit_code, 0);
  auto pushed = mlops({"push", "--remote", remote, "--json"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("\"transferred\": 3"), std::string::npos) << pushed.out;
  std::filesystem::remove_all(ws / ".mlops/cache");
  auto again = mlops({"pull", "--remote", remote});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

}  // namespace
}  // namespace mlops::e2e
