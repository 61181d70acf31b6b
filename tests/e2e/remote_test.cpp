// `mlops push` and `mlops pull` with a directory remote (docs/remotes.md): a round trip through
// an emptied cache, a corrupt object refused, and typed directory outputs restored.
#include <string>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "e2e/remote_fixture.hpp"

namespace mlops::e2e {
namespace {

class RemoteTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    ws.write("pipeline.yaml", k_remote_pipeline);
    std::filesystem::create_directories(ws / "remote");
    remote = (ws / "remote").string();
  }
  std::string remote;
};

TEST_F(RemoteTest, PushThenPullIntoAnEmptiedCacheRestoresEverything) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto pushed = mlops({"push", "--remote", remote, "--json"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("\"transferred\": 4"), std::string::npos) << pushed.out;
  auto again = mlops({"push", "--remote", remote, "--json"});
  EXPECT_NE(again.out.find("\"already\": 4"), std::string::npos) << again.out;
  std::filesystem::remove_all(ws / ".mlops/cache");
  std::filesystem::remove_all(ws / "out");
  std::filesystem::remove(ws / "model.txt");
  auto pulled = mlops({"pull", "--remote", "file://" + remote});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("pulled 4 of 4 object(s)"), std::string::npos) << pulled.out;
  auto checkout = mlops({"checkout", "latest"});
  ASSERT_EQ(checkout.exit_code, 0) << checkout.err;
  EXPECT_EQ(ws.read("out/set/b.txt"), "two\n");  // a directory out typed `dataset`
  EXPECT_EQ(ws.read("model.txt"), "m\n");
}

TEST_F(RemoteTest, CorruptObjectOnTheRemoteIsRefused) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ws / "remote")) {
    if (entry.is_regular_file() && entry.path().extension() != ".dir") {
      std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::add);
      ws.write(std::filesystem::relative(entry.path(), ws.path()).string(), "tampered\n");
    }
  }
  std::filesystem::remove_all(ws / ".mlops/cache");
  auto pulled = mlops({"pull", "--remote", remote});
  EXPECT_EQ(pulled.exit_code, 1);
  EXPECT_NE(pulled.err.find("does not match its digest"), std::string::npos) << pulled.err;
  std::filesystem::remove(ws / "model.txt");
  EXPECT_EQ(mlops({"checkout", "latest", "model.txt"}).exit_code, 1);  // nothing tampered cached
  EXPECT_FALSE(ws.exists("model.txt"));
}

TEST_F(RemoteTest, NoRemoteIsAnErrorThatSaysHowToGiveOne) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto refused = mlops({"push"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("give --remote URL, set MLOPS_REMOTE, put `remote = URL` in "
                             ".mlops/config, or `remote: URL` in the pipeline file"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(mlops({"push", "--remote", "ftp://host/x"}).exit_code, 2);
}

TEST_F(RemoteTest, TheRemoteCanBeConfiguredInTheWorkspace) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ws.write(".mlops/config", "# the team's remote\nremote = " + remote + "\n");
  auto pushed = mlops({"push"});
  EXPECT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("pushed 4 of 4"), std::string::npos) << pushed.out;
  ws.write(".mlops/config", "remot = /x\n");
  auto bad = mlops({"push"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("config:1: unknown setting 'remot' (known: remote, store)"),
            std::string::npos)
      << bad.err;
}

// `mlops run --pull` on a second machine: a workspace whose store has never seen the runs (a fresh
// clone) takes every stage's outputs from the remote's run-cache index instead of running it.
class RunPullTest : public RemoteTest {
 protected:
  // A second workspace with the same pipeline and nothing else (another machine's clone).
  std::filesystem::path clone() {
    std::filesystem::path other = ws / "clone";
    std::filesystem::create_directories(other / ".mlops");  // its own workspace, not ws's
    std::filesystem::copy_file(ws / "pipeline.yaml", other / "pipeline.yaml");
    return other;
  }
  CommandResult mlops_in(const std::filesystem::path& dir, std::vector<std::string> args) {
    return run_mlops(args, {dir, {}, std::nullopt});
  }
  std::string read_text(const std::filesystem::path& path) {
    return ws.read(std::filesystem::relative(path, ws.path()).string());
  }
  void write_text(const std::filesystem::path& path, const std::string& text) {
    ws.write(std::filesystem::relative(path, ws.path()).string(), text);
  }
  // The remote's run-cache entries.
  std::vector<std::filesystem::path> entries() {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(ws / "remote" / "runcache")) {
      found.push_back(entry.path());
    }
    return found;
  }
};

TEST_F(RunPullTest, AFreshCloneRestoresFromTheRemoteInsteadOfRunning) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto pushed = mlops({"push", "--remote", remote});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("+1 run-cache entries"), std::string::npos) << pushed.out;
  std::filesystem::path other = clone();
  auto plan = mlops_in(other, {"run", "--dry-run", "--pull", "--remote", remote, "pipeline.yaml"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("restorable from the remote"), std::string::npos) << plan.out;
  EXPECT_FALSE(std::filesystem::exists(other / "model.txt"));
  auto pulled = mlops_in(other, {"run", "--pull", "--remote", remote, "pipeline.yaml"});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("restored from the remote"), std::string::npos) << pulled.out;
  EXPECT_EQ(read_text(other / "out/set/b.txt"), "two\n");
  EXPECT_EQ(read_text(other / "model.txt"), "m\n");
  // Recorded as taken from elsewhere: cached, and never as this machine's product.
  auto lineage = mlops_in(other, {"lineage", "model.txt", "--json"});
  EXPECT_EQ(lineage.out.find("\"producer_run\""), std::string::npos) << lineage.out;
  auto said = mlops_in(other, {"lineage", "model.txt"});
  EXPECT_NE(said.out.find("not produced here"), std::string::npos) << said.out;
  auto again = mlops_in(other, {"run", "pipeline.yaml"});
  EXPECT_NE(again.out.find("up to date"), std::string::npos) << again.out;
}

TEST_F(RunPullTest, WithoutPullOrWithAnEmptyRemoteTheStageRuns) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  std::filesystem::path other = clone();
  auto plain = mlops_in(other, {"run", "pipeline.yaml"});
  EXPECT_NE(plain.out.find("never ran"), std::string::npos) << plain.out;
  std::filesystem::remove_all(other);
  std::filesystem::path empty = ws / "empty-remote";
  std::filesystem::create_directories(empty);
  other = clone();
  auto ran = mlops_in(other, {"run", "--pull", "--remote", empty.string(), "pipeline.yaml"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("never ran"), std::string::npos) << ran.out;
}

// The index is untrusted: an entry naming a file the stage does not declare (here the pipeline
// file itself) is ignored, and the stage runs.
TEST_F(RunPullTest, AnEntryNamingAnUndeclaredPathIsIgnored) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  for (const auto& entry : entries()) {
    std::string text = read_text(entry);
    size_t at = text.find("\"model.txt\"");
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, 11, "\"pipeline.yaml\"");
    std::filesystem::remove(entry);
    write_text(entry, text);
  }
  std::filesystem::path other = clone();
  std::string before = read_text(other / "pipeline.yaml");
  auto ran = mlops_in(other, {"run", "--pull", "--remote", remote, "pipeline.yaml"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("never ran"), std::string::npos) << ran.out;
  EXPECT_EQ(read_text(other / "pipeline.yaml"), before);
}

// A tampered directory manifest on the remote is refused (it would restore another tree): the
// stage runs instead, and nothing of the manifest stays in the cache.
TEST_F(RunPullTest, ATamperedManifestIsRefusedAndTheStageRuns) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ws / "remote")) {
    if (entry.path().extension() == ".dir") {
      std::string text = read_text(entry.path());
      size_t at = text.find("b.txt");
      ASSERT_NE(at, std::string::npos);
      text.replace(at, 5, "c.txt");
      std::filesystem::remove(entry.path());
      write_text(entry.path(), text);
    }
  }
  std::filesystem::path other = clone();
  auto ran = mlops_in(other, {"run", "--pull", "--remote", remote, "pipeline.yaml"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("is not that directory's"), std::string::npos) << ran.out;
  EXPECT_TRUE(std::filesystem::exists(other / "out/set/b.txt"));
  EXPECT_FALSE(std::filesystem::exists(other / "out/set/c.txt"));
  auto pulled = mlops({"pull", "--remote", remote});  // the first workspace has it all
  EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
}

TEST_F(RunPullTest, PullTakesPathsAndTheRemoteFromThePipelineFile) {
  ws.write("pipeline.yaml", std::string(k_remote_pipeline) + "remote: " + remote + "\n");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"push"}).exit_code, 0);
  std::filesystem::remove_all(ws / ".mlops/cache");
  auto pulled = mlops({"pull", "model.txt", "--json"});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("\"transferred\": 1"), std::string::npos) << pulled.out;
  auto unknown = mlops({"pull", "latest", "not/an/output.txt"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no output of the pulled run(s) is at not/an/output.txt"),
            std::string::npos)
      << unknown.err;
  std::filesystem::path other = clone();
  auto ran = mlops_in(other, {"run", "--pull", "pipeline.yaml"});  // remote: from the file
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("restored from the remote"), std::string::npos) << ran.out;
}

TEST_F(RunPullTest, ABadRemoteStopsTheRunBeforeAnythingRuns) {
  auto refused = mlops({"run", "--pull", "--remote", "ftp://nowhere", "pipeline.yaml"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_FALSE(ws.exists("model.txt"));
  auto none = mlops({"run", "--pull", "pipeline.yaml"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no remote"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace mlops::e2e
