// `mlops push` and `mlops pull` with an SSH/SFTP remote (docs/remotes.md), against the OpenSSH
// server scripts/sshd-server.sh starts on 127.0.0.1: round trips (with --remote and from
// .mlops/config, -j 4), idempotence, a tampered object refused, host keys (unknown, changed),
// keys (wrong, encrypted, never shown), a push killed midway, and servers that cannot be reached
// or never answer. Each test uses its own directory on the server, so they can run in parallel.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "e2e/remote_fixture.hpp"

extern char** environ;

namespace mlops::e2e {
namespace {

// Regular files below `dir` (recursively); none when it does not exist.
std::vector<std::filesystem::path> files_below(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file()) {
      found.push_back(it->path());
    }
  }
  return found;
}

class SshRemoteTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    url = env_or_empty("MLOPS_TEST_SSH_URL");
    if (url.empty()) {
      GTEST_SKIP() << "SSH remote tests skipped: MLOPS_TEST_SSH_URL is not set (start "
                      "scripts/sshd-server.sh)";
    }
    // The mlops processes get exactly the SSH settings each test gives them: no agent, no key
    // or known_hosts file inherited.
    std::vector<std::string> names;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string text = *entry;
      if (text.starts_with("MLOPS_SSH_") || text.starts_with("SSH_AUTH_SOCK=")) {
        names.push_back(text.substr(0, text.find('=')));
      }
    }
    for (const auto& name : names) {
      ::unsetenv(name.c_str());
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root = std::filesystem::path(env_or_empty("MLOPS_TEST_SSH_ROOT")) /
           (std::string(info->name()) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root);
    remote = url + root.string();
    // No ~/.ssh of the machine's user: the home directory is the workspace's (restored after).
    if (const char* home = std::getenv("HOME")) {
      saved_home = home;
    }
    std::filesystem::create_directories(ws / "home");
    ::setenv("HOME", (ws / "home").c_str(), 1);
    key = env_or_empty("MLOPS_TEST_SSH_KEY");
    env = {"MLOPS_SSH_KEY=" + key,
           "MLOPS_SSH_KNOWN_HOSTS=" + env_or_empty("MLOPS_TEST_SSH_KNOWN_HOSTS")};
    ws.write("pipeline.yaml", k_remote_pipeline);
  }

  void TearDown() override {
    if (saved_home) {
      ::setenv("HOME", saved_home->c_str(), 1);
    }
    if (!root.empty() && !HasFailure()) {
      std::filesystem::remove_all(root);
    }
  }

  CommandResult ssh(const std::vector<std::string>& args, std::vector<std::string> extra = {}) {
    std::vector<std::string> all = env;
    all.insert(all.end(), extra.begin(), extra.end());  // the last entry of a name counts
    return run_mlops(args, {ws.path(), all, std::nullopt});
  }

  void forget_local_copies() {
    std::filesystem::remove_all(ws / ".mlops/cache");
    std::filesystem::remove_all(ws / "out");
    std::filesystem::remove(ws / "model.txt");
  }

  // The port of the test server, and the user it logs in.
  std::string port() const { return url.substr(url.rfind(':') + 1); }
  std::string user() const { return url.substr(6, url.find('@') - 6); }

  // Makes a fresh ed25519 key pair at `path` (`passphrase` may be empty).
  void make_key(const std::filesystem::path& path, const std::string& passphrase) {
    std::filesystem::create_directories(path.parent_path());
    ASSERT_EQ(run_shell("ssh-keygen -q -t ed25519 -N '" + passphrase + "' -f '" + path.string() +
                        "' </dev/null")
                  .status,
              0);
  }

  std::string url;
  std::filesystem::path root;
  std::string remote;
  std::string key;
  std::vector<std::string> env;
  std::optional<std::string> saved_home;
};

TEST_F(SshRemoteTest, PushThenPullIntoAnEmptiedCacheRestoresEverything) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto pushed = ssh({"push", "--remote", remote, "--json"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("\"transferred\": 4"), std::string::npos) << pushed.out;
  EXPECT_NE(pushed.out.find("\"remote\": \"" + remote + "\""), std::string::npos) << pushed.out;
  EXPECT_EQ(files_below(root / "objects").size(), 4u);
  EXPECT_TRUE(files_below(root / "tmp").empty());
  auto again = ssh({"push", "--remote", remote, "--json"});  // nothing uploaded twice
  EXPECT_NE(again.out.find("\"already\": 4"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("\"transferred\": 0"), std::string::npos) << again.out;
  forget_local_copies();
  auto pulled = ssh({"pull", "--remote", remote});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("pulled 4 of 4 object(s)"), std::string::npos) << pulled.out;
  auto checkout = mlops({"checkout", "latest"});
  ASSERT_EQ(checkout.exit_code, 0) << checkout.err;
  EXPECT_EQ(ws.read("out/set/b.txt"), "two\n");
  EXPECT_EQ(ws.read("model.txt"), "m\n");
  for (const auto& output : {pushed, again, pulled}) {  // the key is never named
    EXPECT_EQ(output.out.find(key), std::string::npos);
    EXPECT_EQ(output.err.find(key), std::string::npos);
  }
}

TEST_F(SshRemoteTest, ConfiguredInTheWorkspaceWithFourParallelTransfers) {
  ws.write("pipeline.yaml", R"(version: 1
name: many
stages:
  make:
    run: mkdir -p out && for i in $(seq 60); do echo "file $i" > out/$i.txt; done && head -c 3000000 /dev/urandom > out/big.bin && touch out/empty.txt
    outs: [out]
)");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ws.write(".mlops/config", "remote = " + remote + "\n");
  auto pushed = ssh({"push", "-j", "4"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_NE(pushed.out.find("pushed 63 of 63"), std::string::npos) << pushed.out;
  std::string big = ws.read("out/big.bin");
  std::filesystem::remove_all(ws / ".mlops/cache");
  std::filesystem::remove_all(ws / "out");
  auto pulled = ssh({"pull", "-j", "4"});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("pulled 63 of 63"), std::string::npos) << pulled.out;
  ASSERT_EQ(mlops({"checkout", "latest"}).exit_code, 0);
  EXPECT_EQ(ws.read("out/17.txt"), "file 17\n");
  EXPECT_EQ(ws.read("out/empty.txt"), "");
  EXPECT_TRUE(ws.read("out/big.bin") == big);
}

TEST_F(SshRemoteTest, ATamperedObjectOnTheServerIsRefusedAndNothingIsCached) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(ssh({"push", "--remote", remote}).exit_code, 0);
  size_t tampered = 0;
  for (const auto& object : files_below(root / "objects")) {
    if (object.extension() != ".dir") {
      std::filesystem::permissions(object, std::filesystem::perms::owner_write,
                                   std::filesystem::perm_options::add);
      std::ofstream(object, std::ios::binary | std::ios::trunc) << "tampered\n";
      ++tampered;
    }
  }
  ASSERT_EQ(tampered, 3u);
  forget_local_copies();
  auto pulled = ssh({"pull", "--remote", remote});
  EXPECT_EQ(pulled.exit_code, 1);
  EXPECT_NE(pulled.err.find("does not match its digest"), std::string::npos) << pulled.err;
  size_t cached_files = 0;
  for (const auto& file : files_below(ws / ".mlops/cache")) {
    cached_files += file.extension() != ".dir" ? 1 : 0;
  }
  EXPECT_EQ(cached_files, 0u);  // no tampered bytes, and no temporary file left
  EXPECT_NE(mlops({"checkout", "latest", "model.txt"}).exit_code, 0);
  EXPECT_FALSE(ws.exists("model.txt"));
}

TEST_F(SshRemoteTest, AnUnknownHostIsRefusedWithTheCommandThatAddsIt) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ws.write("known_hosts", "");
  auto refused =
      ssh({"push", "--remote", remote}, {"MLOPS_SSH_KNOWN_HOSTS=" + (ws / "known_hosts").string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("the SSH remote's host [127.0.0.1]:" + port() +
                             " is not in known_hosts (" + (ws / "known_hosts").string() + ")"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("ssh-keyscan -p " + port() + " 127.0.0.1 >> "), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("ssh-ed25519 SHA256:"), std::string::npos) << refused.err;
  EXPECT_TRUE(files_below(root).empty());
}

TEST_F(SshRemoteTest, AChangedHostKeyIsRefusedLoudly) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  make_key(ws / "other/host_key", "");
  std::string other = ws.read("other/host_key.pub");
  other = other.substr(0, other.find(' ', other.find(' ') + 1));
  // Another host's entry first: only the entry for this host and port counts.
  ws.write("known_hosts",
           "# team hosts\nexample.org " + other + "\n[127.0.0.1]:" + port() + " " + other + "\n");
  auto refused =
      ssh({"push", "--remote", remote}, {"MLOPS_SSH_KNOWN_HOSTS=" + (ws / "known_hosts").string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("THE HOST KEY OF THE SSH REMOTE " + remote + " HAS CHANGED"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("man-in-the-middle"), std::string::npos) << refused.err;
  EXPECT_TRUE(files_below(root).empty());
}

TEST_F(SshRemoteTest, AHashedKnownHostsEntryIsAccepted) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::filesystem::copy_file(env_or_empty("MLOPS_TEST_SSH_KNOWN_HOSTS"), ws / "known_hosts");
  ASSERT_EQ(
      run_shell("ssh-keygen -H -f '" + (ws / "known_hosts").string() + "' >/dev/null 2>&1").status,
      0);
  ASSERT_EQ(ws.read("known_hosts").rfind("|1|", 0), 0u) << ws.read("known_hosts");
  auto pushed =
      ssh({"push", "--remote", remote}, {"MLOPS_SSH_KNOWN_HOSTS=" + (ws / "known_hosts").string()});
  EXPECT_EQ(pushed.exit_code, 0) << pushed.err;
}

TEST_F(SshRemoteTest, AWrongKeyIsAClearErrorThatNeverShowsTheKey) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  make_key(ws / "keys/wrong", "");
  std::string wrong = (ws / "keys/wrong").string();
  auto refused = ssh({"push", "--remote", remote}, {"MLOPS_SSH_KEY=" + wrong});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("cannot log in to the SSH remote " + remote + " as " + user() +
                             ": the server refused the key in $MLOPS_SSH_KEY"),
            std::string::npos)
      << refused.err;
  std::string secret = ws.read("keys/wrong");
  std::string body = secret.substr(secret.find('\n') + 1, 40);
  for (const auto& text : {refused.out, refused.err}) {
    EXPECT_EQ(text.find(wrong), std::string::npos) << text;
    EXPECT_EQ(text.find("keys/wrong"), std::string::npos) << text;
    EXPECT_EQ(text.find(body), std::string::npos) << text;
  }
}

TEST_F(SshRemoteTest, ARefusedRsaKeyIsExplained) {
  // libssh2 1.10 signs with RSA as ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse.
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::filesystem::create_directories(ws / "keys");
  ASSERT_EQ(run_shell("ssh-keygen -q -t rsa -b 2048 -N '' -f '" + (ws / "keys/rsa").string() +
                      "' </dev/null")
                .status,
            0);
  auto refused = ssh({"push", "--remote", remote}, {"MLOPS_SSH_KEY=" + (ws / "keys/rsa").string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("use an ed25519 or ECDSA key (`ssh-keygen -t ed25519`)"),
            std::string::npos)
      << refused.err;
}

TEST_F(SshRemoteTest, AnEncryptedKeyWithoutAnAgentSaysToUseSshAgent) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  make_key(ws / "keys/locked", "a passphrase");
  auto refused =
      ssh({"push", "--remote", remote}, {"MLOPS_SSH_KEY=" + (ws / "keys/locked").string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("the key in $MLOPS_SSH_KEY protected by a passphrase, which mlops "
                             "does not read: load it into ssh-agent"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find("keys/locked"), std::string::npos) << refused.err;
}

TEST_F(SshRemoteTest, TheDefaultKeyFileIsUsedWhenNoKeyIsNamed) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::filesystem::create_directories(ws / "home/.ssh");
  std::filesystem::copy_file(key, ws / "home/.ssh/id_ed25519");
  auto pushed = ssh({"push", "--remote", remote}, {"MLOPS_SSH_KEY="});
  EXPECT_EQ(pushed.exit_code, 0) << pushed.err;
}

TEST_F(SshRemoteTest, AKilledPushLeavesNoPartialObjectAndTheNextPushSweepsItsTemporary) {
  ws.write("pipeline.yaml", R"(version: 1
name: big
stages:
  make:
    run: head -c 134217728 /dev/urandom > big.bin
    outs: [big.bin]
)");
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::vector<std::string> all = env;
  MlopsProcess push({"push", "--remote", remote}, {ws.path(), all, std::nullopt});
  bool uploading = false;
  for (int i = 0; i < 2000 && !uploading; ++i) {  // up to 20 s for the upload to start
    for (const auto& file : files_below(root / "tmp")) {
      uploading = uploading || std::filesystem::file_size(file) > 0;
    }
    if (!uploading) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_TRUE(uploading);
  push.signal(SIGKILL);
  auto killed = push.wait();
  ASSERT_EQ(killed.signal, SIGKILL);
  EXPECT_TRUE(files_below(root / "objects").empty());  // nothing under an object's name
  auto temps = files_below(root / "tmp");
  ASSERT_EQ(temps.size(), 1u);
  // The server's side of the connection may still write what it had received: wait until the
  // temporary file stops growing.
  for (uintmax_t size = 0, seen = 1; size != seen;) {
    seen = size;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    size = std::filesystem::file_size(temps[0]);
  }
  // A temporary left for a while (longer than any upload stays silent) is swept by a push.
  std::filesystem::last_write_time(
      temps[0], std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  auto again = ssh({"push", "--remote", remote});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(files_below(root / "tmp").empty());
  EXPECT_EQ(files_below(root / "objects").size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(files_below(root / "objects")[0]), 134217728u);
}

TEST_F(SshRemoteTest, AMissingRemoteDirectoryIsNamed) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto refused = ssh({"push", "--remote", remote + "/nowhere"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("the remote directory " + root.string() +
                             "/nowhere does not exist on " + remote + "/nowhere; create it first"),
            std::string::npos)
      << refused.err;
}

TEST_F(SshRemoteTest, AClosedPortFailsAtOnce) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);  // a port nobody listens on
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(probe);
  std::string closed = "ssh://root@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/x";
  auto refused = ssh({"push", "--remote", closed});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("cannot connect to the SSH remote"), std::string::npos) << refused.err;
  EXPECT_LT(refused.seconds, 10.0);
}

TEST_F(SshRemoteTest, AServerThatNeverAnswersTimesOut) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  int silent = ::socket(AF_INET, SOCK_STREAM, 0);  // accepts connections, never says a word
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(silent, 4), 0);
  socklen_t length = sizeof(address);
  ::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length);
  std::string mute = "ssh://root@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/x";
  auto refused = ssh({"push", "--remote", mute}, {"MLOPS_SSH_TIMEOUT=2"});
  ::close(silent);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("the SSH handshake with " + mute + " failed"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("no reply from the server within 2 s (MLOPS_SSH_TIMEOUT)"),
            std::string::npos)
      << refused.err;
  EXPECT_LT(refused.seconds, 8.0);
}

}  // namespace
}  // namespace mlops::e2e
