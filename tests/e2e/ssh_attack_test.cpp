// The SSH/SFTP remote under attack, against the OpenSSH server scripts/sshd-server.sh starts on
// 127.0.0.1: host keys known_hosts revokes, entries for another port, passwords in URLs in every
// shape, and a malicious server's objects (a directory, a FIFO, bytes that do not match).
// Skipped, with a message, when MLOPS_TEST_SSH_URL is not set.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
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

class SshAttackTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    url = env_or_empty("MLOPS_TEST_SSH_URL");
    if (url.empty()) {
      GTEST_SKIP() << "SSH attack tests skipped: MLOPS_TEST_SSH_URL is not set (start "
                      "scripts/sshd-server.sh)";
    }
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
           ("attack-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root);
    remote = url + root.string();
    known_hosts = read(env_or_empty("MLOPS_TEST_SSH_KNOWN_HOSTS"));
    env = {"MLOPS_SSH_KEY=" + env_or_empty("MLOPS_TEST_SSH_KEY"),
           "MLOPS_SSH_KNOWN_HOSTS=" + env_or_empty("MLOPS_TEST_SSH_KNOWN_HOSTS"),
           "MLOPS_SSH_TIMEOUT=5", "HOME=" + (ws / "home").string()};
    ws.write("pipeline.yaml",
             "version: 1\nname: s\nstages:\n  make:\n    run: echo model > model.txt\n"
             "    outs: [model.txt]\n");
  }

  void TearDown() override {
    if (!root.empty() && !HasFailure()) {
      std::filesystem::remove_all(root);
    }
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  CommandResult ssh(const std::vector<std::string>& args, std::vector<std::string> extra = {}) {
    std::vector<std::string> all = env;
    all.insert(all.end(), extra.begin(), extra.end());
    return run_mlops(args, {ws.path(), all, std::nullopt});
  }

  // A known_hosts file of `text` in the workspace, as the setting that names it.
  std::string known_hosts_file(const std::string& text) {
    ws.write("known_hosts.test", text);
    return "MLOPS_SSH_KNOWN_HOSTS=" + (ws / "known_hosts.test").string();
  }

  // "ssh-ed25519 AAAA..." of the server's key.
  std::string server_key() const {
    size_t space = known_hosts.find(' ');
    std::string key = known_hosts.substr(space + 1);
    return key.substr(0, key.find('\n'));
  }

  std::string port() const { return url.substr(url.rfind(':') + 1); }

  std::string url;
  std::filesystem::path root;
  std::string remote;
  std::string known_hosts;
  std::vector<std::string> env;
};

// OpenSSH never accepts a key known_hosts marks @revoked, even when another line lists it.
TEST_F(SshAttackTest, ARevokedHostKeyIsRefusedEvenWhenAlsoListed) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::string revoked = known_hosts + "@revoked * " + server_key() + "\n";
  auto pushed = ssh({"push", "--remote", remote}, {known_hosts_file(revoked)});
  EXPECT_EQ(pushed.exit_code, 2) << pushed.err << pushed.out;
  EXPECT_NE(pushed.err.find("@revoked"), std::string::npos) << pushed.err;
  // A revoked line for some other key changes nothing; nor does a @cert-authority line.
  std::string other = known_hosts +
                      "@revoked * ssh-ed25519 "
                      "AAAAC3NzaC1lZDI1NTE5AAAAIJ8p0ZkK7zC8XX6V0wJwGk3gkGd8mP7dK2rQ3m6aAAAA\n" +
                      "@cert-authority * " + server_key() + "\n";
  auto fine = ssh({"push", "--remote", remote}, {known_hosts_file(other)});
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
}

// An entry for the host on port 22 (or another port) does not vouch for this port's server.
TEST_F(SshAttackTest, AnEntryForAnotherPortIsNotThisServer) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  std::string text = "127.0.0.1 " + server_key() + "\n[127.0.0.1]:1 " + server_key() + "\n";
  auto pushed = ssh({"push", "--remote", remote}, {known_hosts_file(text)});
  EXPECT_EQ(pushed.exit_code, 2) << pushed.err;
  EXPECT_NE(pushed.err.find("is not in known_hosts"), std::string::npos) << pushed.err;
}

// A password is refused and never repeated, whatever characters it holds.
TEST_F(SshAttackTest, APasswordInTheUrlIsNeverEchoed) {
  std::string host = "127.0.0.1:" + port();
  for (const std::string& candidate : std::vector<std::string>{
           "ssh://root:hunter2secret@" + host + "/tmp",
           "ssh://root:hun@ter2secret@" + host + "/tmp", "ssh://:hunter2secret@" + host + "/tmp",
           "ssh://root:hunter2secret@[::1]:22/tmp",
           "ssh://root:hunter2secret%41@" + host + "/tmp"}) {
    for (const char* command : {"push", "pull"}) {
      auto result = ssh({command, "--remote", candidate});
      EXPECT_EQ(result.exit_code, 2) << candidate << ": " << result.err;
      EXPECT_EQ((result.out + result.err).find("hunter2"), std::string::npos)
          << candidate << ": " << result.err;
    }
  }
}

// A server that puts a directory or a FIFO where an object belongs, or bytes that are not the
// object's: the pull fails (exit 1), nothing is cached under the object's name, and it ends.
TEST_F(SshAttackTest, AMaliciousServersObjectsAreRefused) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  ASSERT_EQ(ssh({"push", "--remote", remote}).exit_code, 0);
  std::filesystem::path object;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root / "objects")) {
    if (entry.is_regular_file()) {
      object = entry.path();
    }
  }
  ASSERT_FALSE(object.empty());
  std::filesystem::path local =
      ws / ".mlops/cache/objects" / object.parent_path().filename() / object.filename();
  for (const std::string& kind : {"tampered", "directory", "fifo"}) {
    std::filesystem::remove_all(object);
    if (kind == "tampered") {
      std::ofstream(object) << "not the model\n";
    } else if (kind == "directory") {
      std::filesystem::create_directories(object / "inside");
    } else {
      ASSERT_EQ(::mkfifo(object.c_str(), 0644), 0);
    }
    std::filesystem::remove_all(ws / ".mlops/cache/objects");
    auto pulled = ssh({"pull", "--remote", remote});
    EXPECT_EQ(pulled.exit_code, 1) << kind << ": " << pulled.err;
    EXPECT_FALSE(std::filesystem::exists(local)) << kind;
    if (kind == "fifo") {
      // The server's sftp-server still waits in open() for a writer: be one, so it ends.
      int fd = ::open(object.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  std::filesystem::remove_all(object);
}

}  // namespace
}  // namespace mlops::e2e
