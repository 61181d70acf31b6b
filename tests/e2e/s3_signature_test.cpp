// The S3 remote's request signatures, checked by a server that verifies AWS Signature Version 4
// independently of libcurl (tests/e2e/sigv4_s3_server.py, Python's hmac and hashlib): every kind
// of request mlops sends (HEAD, GET, PUT, the POST and PUT requests of a multipart upload with an
// upload id that needs percent-encoding, a session token) must be accepted, and a wrong secret key
// refused. The suite's s3rver does not check signatures, so this is where they are tested.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

extern char** environ;

namespace mlops::e2e {
namespace {

constexpr const char* k_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

class S3SignatureTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    if (run_shell("python3 -c 'import hmac' 2>/dev/null").status != 0) {
      GTEST_SKIP() << "S3 signature tests skipped: python3 is not installed";
    }
    std::vector<std::string> names;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (std::string(*entry).starts_with("AWS_")) {
        names.emplace_back(*entry, std::string(*entry).find('='));
      }
    }
    for (const auto& name : names) {
      ::unsetenv(name.c_str());  // the mlops processes get only the settings given here
    }
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    std::string script = (source_dir() / "tests/e2e/sigv4_s3_server.py").string();
    m_server = ::fork();
    if (m_server == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::execlp("python3", "python3", script.c_str(), "AKIDTEST", k_secret, "eu-north-1", nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    char port[16] = "";
    FILE* reader = ::fdopen(out[0], "r");
    ASSERT_NE(std::fgets(port, sizeof port, reader), nullptr) << "the test server did not start";
    std::fclose(reader);
    endpoint = "http://127.0.0.1:" + std::string(port, std::strlen(port) - 1);
    ws.write("pipeline.yaml", R"(version: 1
name: signed
stages:
  make:
    run: mkdir -p out && echo a > out/a.txt && echo b > out/b.txt && head -c 2500000 /dev/urandom > big.bin
    outs: [out, big.bin]
)");
  }
  void TearDown() override {
    if (m_server > 0) {
      ::kill(m_server, SIGKILL);
      ::waitpid(m_server, nullptr, 0);
    }
  }
  CommandResult s3(const std::vector<std::string>& args, const std::string& secret) {
    std::vector<std::string> env = {"AWS_ENDPOINT_URL=" + endpoint,
                                    "AWS_ACCESS_KEY_ID=AKIDTEST",
                                    "AWS_SECRET_ACCESS_KEY=" + secret,
                                    "AWS_SESSION_TOKEN=FQoGZXIvYXdzEJr//token+with/slashes=",
                                    "AWS_REGION=eu-north-1",
                                    "AWS_SHARED_CREDENTIALS_FILE=" + (ws / "none").string(),
                                    "AWS_CONFIG_FILE=" + (ws / "none").string(),
                                    "MLOPS_S3_PART_MIB=1"};
    return run_mlops(args, {ws.path(), env, std::nullopt});
  }
  std::string endpoint;

 private:
  pid_t m_server = -1;
};

TEST_F(S3SignatureTest, EveryRequestIsSignedAsAwsChecksIt) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::string original = ws.read("big.bin");
  auto pushed = s3({"push", "--remote", "s3://signed-bucket/team/cache", "-j", "4"}, k_secret);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;  // big.bin went up in 3 parts
  EXPECT_NE(pushed.out.find("pushed 4 of 4"), std::string::npos) << pushed.out;
  std::filesystem::remove_all(ws / ".mlops/cache");
  std::filesystem::remove_all(ws / "out");
  std::filesystem::remove(ws / "big.bin");
  auto pulled = s3({"pull", "--remote", "s3://signed-bucket/team/cache", "-j", "4"}, k_secret);
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  ASSERT_EQ(mlops({"checkout", "latest"}).exit_code, 0);
  EXPECT_EQ(ws.read("out/b.txt"), "b\n");
  EXPECT_TRUE(ws.read("big.bin") == original);
}

TEST_F(S3SignatureTest, AWrongSecretKeyIsRefusedAndNotShown) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::string wrong = "not-the-secret-key-0123456789abcdef";
  auto refused = s3({"push", "--remote", "s3://signed-bucket/x"}, wrong);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("access denied (HTTP 403)"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find(wrong), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out.find(wrong), std::string::npos) << refused.out;
}

}  // namespace
}  // namespace mlops::e2e
