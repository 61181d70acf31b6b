// The lock file (docs/cli.md, "mlops lock"; docs/remotes.md, "pull --lock"): written from the
// store, read by `status` in a clone without a store, and by `pull --lock`, which fetches and
// restores exactly the locked outputs and refuses a tampered file.
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_pipeline = R"(version: 1
name: locked
stages:
  prepare:
    run: mkdir -p data && cp raw.txt data/clean.txt
    deps: [raw.txt]
    outs: [data/clean.txt]
  train:
    run: mkdir -p out/model && cat data/clean.txt > out/model/weights.bin && echo '{"auc":0.9}' > out/metrics.json
    deps: [data/clean.txt]
    outs: [{path: out/model, type: model}]
    metrics: [out/metrics.json]
  report:
    run: echo report > report.txt
    outs: [report.txt]
)";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class LockTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    ws.write("pipeline.yaml", k_pipeline);
    ws.write("raw.txt", "raw data\n");
  }
  // A copy of the workspace as git would clone it: the pipeline, its inputs and the lock, with
  // (outputs = true) or without the outputs, never .mlops/. Outside `ws`, whose .mlops/ would
  // make it the clone's workspace.
  std::filesystem::path clone(bool outputs, const std::string& name = "clone") {
    // The harness makes .mlops/ in every workspace; a clone has none above it.
    std::filesystem::remove_all(elsewhere / ".mlops");
    std::filesystem::path other = elsewhere / name;
    std::filesystem::create_directories(other);
    for (const char* file : {"pipeline.yaml", "pipeline.lock", "raw.txt"}) {
      std::filesystem::copy_file(ws / file, other / file);
    }
    if (outputs) {
      for (const char* path : {"data", "out", "report.txt"}) {
        std::filesystem::copy(ws / path, other / path, std::filesystem::copy_options::recursive);
      }
    }
    return other;
  }
  CommandResult in(const std::filesystem::path& dir, std::vector<std::string> args) {
    return run_mlops(args, {dir, {}, std::nullopt});
  }
  nlohmann::json status_json(const std::filesystem::path& dir) {
    CommandResult status = in(dir, {"status", "pipeline.yaml", "--json"});
    return nlohmann::json::parse(status.out, nullptr, false);
  }
  Workspace elsewhere;
  static std::string action(const nlohmann::json& status, const std::string& stage) {
    for (const auto& row : status["stages"]) {
      if (row["stage"] == stage) {
        return row["action"];
      }
    }
    return "?";
  }
};

TEST_F(LockTest, LockIsDeterministicAndNamesEveryOutputsDigest) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml", "--lock"}).exit_code, 0);
  std::string first = ws.read("pipeline.lock");
  CommandResult again = mlops({"lock", "pipeline.yaml"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("3 of 3 stage(s) current"), std::string::npos) << again.out;
  EXPECT_EQ(ws.read("pipeline.lock"), first);  // byte-identical: it diffs well
  nlohmann::json lock = nlohmann::json::parse(first);
  EXPECT_EQ(lock["lock_version"], 1);
  EXPECT_EQ(lock["pipeline_file"], "pipeline.yaml");
  nlohmann::json train = lock["stages"]["train"];
  EXPECT_TRUE(train["current"]);
  EXPECT_EQ(train["fingerprint"].get<std::string>().size(), 32u);
  ASSERT_EQ(train["outs"].size(), 1u);
  EXPECT_EQ(train["outs"][0]["path"], "out/model");
  EXPECT_EQ(train["outs"][0]["kind"], "model");
  EXPECT_EQ(train["outs"][0]["directory"], true);
  EXPECT_EQ(train["metrics"][0]["path"], "out/metrics.json");
  // A stage changed since its last run is listed as not current.
  ws.write("raw.txt", "new raw data\n");
  CommandResult changed = mlops({"lock"});
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_NE(changed.err.find("stage prepare has no succeeded run as it is now"), std::string::npos)
      << changed.err;
  EXPECT_FALSE(nlohmann::json::parse(ws.read("pipeline.lock"))["stages"]["prepare"]["current"]);
}

TEST_F(LockTest, AFreshCloneIsCurrentPerTheLockUntilADepChanges) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml", "--lock"}).exit_code, 0);
  std::filesystem::path other = clone(true);
  CommandResult status = in(other, {"status", "pipeline.yaml"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_NE(status.err.find("compared with pipeline.lock"), std::string::npos) << status.err;
  EXPECT_FALSE(std::filesystem::exists(other / ".mlops/store.db"));
  // A changed dep: its stage and everything downstream are stale, the rest stays current.
  std::ofstream(other / "raw.txt") << "changed\n";
  nlohmann::json stale = status_json(other);
  ASSERT_FALSE(stale.is_discarded());
  EXPECT_EQ(stale["compared_with"], "pipeline.lock");
  EXPECT_EQ(action(stale, "prepare"), "run");
  EXPECT_EQ(action(stale, "train"), "run");
  EXPECT_EQ(action(stale, "report"), "skip");
  EXPECT_EQ(in(other, {"status", "pipeline.yaml"}).exit_code, 1);
}

TEST_F(LockTest, PullLockRestoresExactlyTheLockedOutputsByteIdentical) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml", "--lock"}).exit_code, 0);
  std::filesystem::create_directories(ws / "remote");
  std::string remote = (ws / "remote").string();
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  std::filesystem::path other = clone(false);
  CommandResult pulled = in(other, {"pull", "--lock", "pipeline.yaml", "--remote", remote});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  for (const char* path :
       {"data/clean.txt", "out/model/weights.bin", "out/metrics.json", "report.txt"}) {
    EXPECT_EQ(read_text(other / path), ws.read(path)) << path;
  }
  EXPECT_EQ(status_json(other)["stages"].size(), 3u);
  EXPECT_EQ(in(other, {"status", "pipeline.yaml"}).exit_code, 0);
  CommandResult again = in(other, {"pull", "--lock", "--remote", remote});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(LockTest, ATamperedLockIsRefusedAndWritesNothing) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml", "--lock"}).exit_code, 0);
  std::filesystem::create_directories(ws / "remote");
  std::string remote = (ws / "remote").string();
  ASSERT_EQ(mlops({"push", "--remote", remote}).exit_code, 0);
  std::string good = ws.read("pipeline.lock");
  nlohmann::json escaping = nlohmann::json::parse(good);
  escaping["stages"]["report"]["outs"][0]["path"] = "../escaped.txt";
  nlohmann::json bad_digest = nlohmann::json::parse(good);
  bad_digest["stages"]["report"]["outs"][0]["digest"] = "not-a-digest";
  nlohmann::json unknown_digest = nlohmann::json::parse(good);
  unknown_digest["stages"]["report"]["outs"][0]["digest"] = std::string(32, 'a');
  int copies = 0;
  for (const auto& tampered : {escaping, bad_digest, unknown_digest}) {
    std::filesystem::path other = clone(false, "clone" + std::to_string(++copies));
    std::ofstream(other / "pipeline.lock") << tampered.dump(2);
    CommandResult pulled = in(other, {"pull", "--lock", "--remote", remote});
    EXPECT_EQ(pulled.exit_code, 2) << tampered.dump() << pulled.err;
    EXPECT_FALSE(std::filesystem::exists(other.parent_path() / "escaped.txt"));
    EXPECT_FALSE(std::filesystem::exists(other / "report.txt"));
    EXPECT_FALSE(std::filesystem::exists(other / "out"));
  }
}

}  // namespace
}  // namespace mlops::e2e
