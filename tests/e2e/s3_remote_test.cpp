// `mlops push` and `mlops pull` with an S3 remote (docs/remotes.md), against the local
// S3-compatible server scripts/s3-server.sh starts (s3rver): round trips, `-j 8`, idempotence, a
// tampered object refused, credentials (missing, wrong, never shown), an interrupted push, and a
// multipart upload. Each test uses its own prefix in the bucket, so they can run in parallel.
//
// s3rver checks the access key id of a signed request but not the signature, so a wrong secret
// key is not detected by this server (a wrong key id is).
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "e2e/remote_fixture.hpp"

extern char** environ;

namespace mlops::e2e {
namespace {

constexpr const char* k_secret = "SeCrEt-7f3a9c1e5b2d8f4a6c0e9b7d";

class S3RemoteTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    std::string url = env_or_empty("MLOPS_TEST_S3_URL");
    if (url.empty()) {
      GTEST_SKIP() << "S3 remote tests skipped: MLOPS_TEST_S3_URL is not set (start "
                      "scripts/s3-server.sh)";
    }
    // The mlops processes get exactly the AWS settings each test gives them: none inherited.
    std::vector<std::string> names;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string text = *entry;
      if (text.starts_with("AWS_")) {
        names.push_back(text.substr(0, text.find('=')));
      }
    }
    for (const auto& name : names) {
      ::unsetenv(name.c_str());
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix = std::string("e2e-") + info->name() + "-" + std::to_string(::getpid());
    remote = url + "/" + prefix;
    bucket_dir = env_or_empty("MLOPS_TEST_S3_DIR") + "/" + url.substr(5);
    env = {"AWS_ENDPOINT_URL=" + env_or_empty("MLOPS_TEST_S3_ENDPOINT"),
           "AWS_ACCESS_KEY_ID=" + env_or_empty("MLOPS_TEST_S3_ACCESS_KEY"),
           std::string("AWS_SECRET_ACCESS_KEY=") + k_secret,
           "AWS_REGION=us-east-1",
           "AWS_SHARED_CREDENTIALS_FILE=" + (ws / "no-credentials").string(),
           "AWS_CONFIG_FILE=" + (ws / "no-config").string()};
    ws.write("pipeline.yaml", k_remote_pipeline);
  }

  CommandResult s3(const std::vector<std::string>& args, std::vector<std::string> extra = {}) {
    std::vector<std::string> all = env;
    all.insert(all.end(), extra.begin(), extra.end());
    return run_mlops(args, {ws.path(), all, std::nullopt});
  }

  // The files s3rver keeps the objects below this test's prefix in.
  std::vector<std::filesystem::path> stored_objects() const {
    std::vector<std::filesystem::path> found;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(bucket_dir / prefix / "objects", error)) {
      if (entry.path().string().ends_with("._S3rver_object")) {
        found.push_back(entry.path());
      }
    }
    return found;
  }

  void forget_local_copies() {
    std::filesystem::remove_all(ws / ".mlops/cache");
    std::filesystem::remove_all(ws / "out");
    std::filesystem::remove(ws / "model.txt");
  }

  std::string prefix;
  std::string remote;
  std::filesystem::path bucket_dir;
  std::vector<std::string> env;
};

TEST_F(S3RemoteTest, PushThenPullIntoAnEmptiedCacheRestoresEverything) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto pushed = s3({"push", "--remote", remote, "--json"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("\"transferred\": 4"), std::string::npos) << pushed.out;
  EXPECT_NE(pushed.out.find("\"remote\": \"" + remote + "\""), std::string::npos) << pushed.out;
  EXPECT_EQ(stored_objects().size(), 4u);
  auto again = s3({"push", "--remote", remote, "--json"});  // nothing uploaded twice
  EXPECT_NE(again.out.find("\"already\": 4"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("\"transferred\": 0"), std::string::npos) << again.out;
  forget_local_copies();
  auto pulled = s3({"pull", "--remote", remote});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("pulled 4 of 4 object(s)"), std::string::npos) << pulled.out;
  auto checkout = mlops({"checkout", "latest"});
  ASSERT_EQ(checkout.exit_code, 0) << checkout.err;
  EXPECT_EQ(ws.read("out/set/b.txt"), "two\n");
  EXPECT_EQ(ws.read("model.txt"), "m\n");
}

TEST_F(S3RemoteTest, ConfiguredInTheWorkspaceWithEightParallelTransfers) {
  ws.write("pipeline.yaml", R"(version: 1
name: many
stages:
  make:
    run: mkdir -p out && for i in $(seq 40); do echo "file $i" > out/$i.txt; done
    outs: [out]
)");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ws.write(".mlops/config", "remote = " + remote + "\n");
  auto pushed = s3({"push", "-j", "8"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("pushed 41 of 41"), std::string::npos) << pushed.out;
  std::filesystem::remove_all(ws / ".mlops/cache");
  std::filesystem::remove_all(ws / "out");
  auto pulled = s3({"pull", "-j", "8"});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("pulled 41 of 41"), std::string::npos) << pulled.out;
  ASSERT_EQ(mlops({"checkout", "latest"}).exit_code, 0);
  EXPECT_EQ(ws.read("out/17.txt"), "file 17\n");
}

TEST_F(S3RemoteTest, ATamperedObjectOnTheServerIsRefusedAndNothingIsCached) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(s3({"push", "--remote", remote}).exit_code, 0);
  size_t tampered = 0;
  for (const auto& object : stored_objects()) {
    if (object.string().find(".dir._S3rver_object") == std::string::npos) {
      std::ofstream(object, std::ios::binary | std::ios::trunc) << "tampered\n";
      ++tampered;
    }
  }
  ASSERT_EQ(tampered, 3u);
  forget_local_copies();
  auto pulled = s3({"pull", "--remote", remote});
  EXPECT_EQ(pulled.exit_code, 1);
  EXPECT_NE(pulled.err.find("does not match its digest"), std::string::npos) << pulled.err;
  size_t cached_files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ws / ".mlops/cache")) {
    cached_files += entry.is_regular_file() && entry.path().extension() != ".dir" ? 1 : 0;
  }
  EXPECT_EQ(cached_files, 0u);  // no tampered bytes, and no temporary file left
  EXPECT_NE(mlops({"checkout", "latest", "model.txt"}).exit_code, 0);
  EXPECT_FALSE(ws.exists("model.txt"));
}

TEST_F(S3RemoteTest, MissingCredentialsSayWhatToSet) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::vector<std::string> only_endpoint = {env[0],
                                            "AWS_SHARED_CREDENTIALS_FILE=" + (ws / "none").string(),
                                            "AWS_CONFIG_FILE=" + (ws / "none").string()};
  auto refused = run_mlops({"push", "--remote", remote}, {ws.path(), only_endpoint, std::nullopt});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("no AWS credentials for " + remote +
                             ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
            std::string::npos)
      << refused.err;
}

TEST_F(S3RemoteTest, CredentialsFromTheSharedCredentialsFile) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ws.write("creds", std::string("[team]\naws_access_key_id = ") +
                        env_or_empty("MLOPS_TEST_S3_ACCESS_KEY") +
                        "\naws_secret_access_key = " + k_secret + "\n");
  std::vector<std::string> from_file = {
      env[0], "AWS_SHARED_CREDENTIALS_FILE=" + (ws / "creds").string(),
      "AWS_CONFIG_FILE=" + (ws / "none").string(), "AWS_PROFILE=team"};
  auto pushed = run_mlops({"push", "--remote", remote}, {ws.path(), from_file, std::nullopt});
  EXPECT_EQ(pushed.exit_code, 0) << pushed.err;
}

TEST_F(S3RemoteTest, AWrongAccessKeyIsAClearErrorAndTheSecretIsNeverShown) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto pushed = s3({"push", "--remote", remote});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;  // the right key first: the objects are there
  std::vector<std::string> wrong = env;
  wrong[1] = "AWS_ACCESS_KEY_ID=NOSUCHKEY";
  forget_local_copies();
  auto denied = run_mlops({"pull", "--remote", remote}, {ws.path(), wrong, std::nullopt});
  EXPECT_EQ(denied.exit_code, 2);
  EXPECT_NE(denied.err.find("access denied (HTTP 403"), std::string::npos) << denied.err;
  EXPECT_NE(denied.err.find("check the credentials (from the environment)"), std::string::npos)
      << denied.err;
  for (const auto& output : {pushed.out, pushed.err, denied.out, denied.err}) {
    EXPECT_EQ(output.find(k_secret), std::string::npos) << output;
  }
  // Nor in anything mlops wrote (the store, logs, the cache) or the server stored.
  auto grep = run_shell("grep -r -l -a -F '" + std::string(k_secret) + "' " + ws.path().string() +
                        "/.mlops " + (bucket_dir / prefix).string() + " 2>/dev/null");
  EXPECT_EQ(grep.out, "");
}

TEST_F(S3RemoteTest, AMultipartUploadRoundTrips) {
  ws.write("pipeline.yaml", R"(version: 1
name: big
stages:
  make:
    run: head -c 3500000 /dev/urandom > big.bin
    outs: [big.bin]
)");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::string original = ws.read("big.bin");
  auto pushed = s3({"push", "--remote", remote}, {"MLOPS_S3_PART_MIB=1"});  // 4 parts
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  ASSERT_EQ(stored_objects().size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(stored_objects()[0]), 3500000u);
  EXPECT_EQ(
      s3({"push", "--remote", remote, "--json"}).out.find("\"already\": 1") == std::string::npos,
      false);
  std::filesystem::remove_all(ws / ".mlops/cache");
  std::filesystem::remove(ws / "big.bin");
  ASSERT_EQ(s3({"pull", "--remote", remote}).exit_code, 0);
  ASSERT_EQ(mlops({"checkout", "latest"}).exit_code, 0);
  EXPECT_TRUE(ws.read("big.bin") == original);
}

// kill -9 in the middle of an upload: whatever the server kept of it is never taken for the
// object (s3rver writes a PUT's bytes in place, but without the digest metadata mlops sends, so
// `has` does not count it), the next push uploads it again, and a pull gets the right bytes.
TEST_F(S3RemoteTest, AKilledPushLeavesNothingThatCountsAsTheObject) {
  ws.write("pipeline.yaml", R"(version: 1
name: big
stages:
  make:
    run: head -c 60000000 /dev/zero > big.bin && echo x >> big.bin
    outs: [big.bin]
)");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::vector<std::string> all = env;
  MlopsProcess push({"push", "--remote", remote}, {ws.path(), all, std::nullopt});
  bool started = false;
  for (int i = 0; i < 1000 && !started; ++i) {
    started = !stored_objects().empty();
    ::usleep(5000);
  }
  push.signal(SIGKILL);
  push.wait();
  ASSERT_TRUE(started);
  // What the server kept, once it has written what had arrived.
  uintmax_t kept = 0;
  for (int i = 0; i < 40; ++i) {
    std::error_code error;
    uintmax_t now = std::filesystem::file_size(stored_objects().at(0), error);
    if (i > 0 && now == kept) {
      break;
    }
    kept = now;
    ::usleep(50000);
  }
  auto again = s3({"push", "--remote", remote, "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  if (kept < 60000002u) {  // killed mid-upload (else it had finished: nothing to check)
    EXPECT_NE(again.out.find("\"transferred\": 1"), std::string::npos) << again.out;
  }
  std::filesystem::remove_all(ws / ".mlops/cache");
  std::filesystem::remove(ws / "big.bin");
  auto pulled = s3({"pull", "--remote", remote});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  ASSERT_EQ(mlops({"checkout", "latest"}).exit_code, 0);
  EXPECT_EQ(std::filesystem::file_size(ws / "big.bin"), 60000002u);
}

}  // namespace
}  // namespace mlops::e2e
