#include "remote/ssh_support.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

namespace mlops {
namespace {

TEST(SshUrlTest, ReadsUserHostPortAndRoot) {
  struct Case {
    const char* url;
    const char* user;
    const char* host;
    int port;
    const char* root;
  };
  const Case cases[] = {
      {"ssh://alice@example.org:2222/srv/mlops", "alice", "example.org", 2222, "/srv/mlops"},
      {"ssh://example.org/srv/mlops/", "me", "example.org", 22, "/srv/mlops"},
      {"ssh://bob@10.0.0.7/data", "bob", "10.0.0.7", 22, "/data"},
      {"ssh://[::1]:2200/r", "me", "::1", 2200, "/r"},
      {"ssh://[fe80::1]/r", "me", "fe80::1", 22, "/r"},
      {"ssh://host/", "me", "host", 22, "/"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_ssh_url(c.url, "me");
    ASSERT_TRUE(parsed.ok()) << c.url << ": " << parsed.error().message();
    EXPECT_EQ(parsed->user, c.user) << c.url;
    EXPECT_EQ(parsed->host, c.host) << c.url;
    EXPECT_EQ(parsed->port, c.port) << c.url;
    EXPECT_EQ(parsed->root, c.root) << c.url;
  }
}

TEST(SshUrlTest, RefusesWhatItCannotUseAndSaysWhy) {
  struct Case {
    const char* url;
    const char* why;
  };
  const Case cases[] = {
      {"ssh://host", "no path after the host"},
      {"ssh://host:0/x", "'0' is not a port (1 to 65535)"},
      {"ssh://host:65536/x", "'65536' is not a port"},
      {"ssh://host:22a/x", "'22a' is not a port"},
      {"ssh://host:/x", "an empty port"},
      {"ssh:///x", "no host"},
      {"ssh://@host/x", "a malformed user name"},
      {"ssh://user:secret@host/x", "passwords are never accepted"},
      {"ssh://[::1/x", "an unclosed '['"},
      {"ssh://host/a%2Fb", "'%' escapes"},
      {"ssh://host/x?y", "queries"},
      {"ssh://host/x\ny", "a control character"},
      {"sftp://host/x", "does not start with ssh://"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_ssh_url(c.url, "me");
    ASSERT_FALSE(parsed.ok()) << c.url;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::Usage) << c.url;
    EXPECT_NE(parsed.error().message().find(c.why), std::string::npos)
        << c.url << ": " << parsed.error().message();
    EXPECT_EQ(parsed.error().message().find("secret"), std::string::npos);
  }
}

TEST(SshUrlTest, KnownHostsNameIsBracketedForOtherPortsAsOpenSshWritesIt) {
  EXPECT_EQ(known_hosts_name(*parse_ssh_url("ssh://h.example/x", "me")), "h.example");
  EXPECT_EQ(known_hosts_name(*parse_ssh_url("ssh://h.example:22/x", "me")), "h.example");
  EXPECT_EQ(known_hosts_name(*parse_ssh_url("ssh://127.0.0.1:2222/x", "me")), "[127.0.0.1]:2222");
  EXPECT_EQ(known_hosts_name(*parse_ssh_url("ssh://[::1]:2222/x", "me")), "[::1]:2222");
}

TEST(SshUrlTest, DescriptionNamesUserHostPortAndPath) {
  EXPECT_EQ(describe_ssh_location(*parse_ssh_url("ssh://h/x/", "me")), "ssh://me@h:22/x");
  EXPECT_EQ(describe_ssh_location(*parse_ssh_url("ssh://u@[::1]:7/x", "me")), "ssh://u@[::1]:7/x");
}

TEST(SshUrlTest, APasswordInAUrlIsNeverRepeated) {
  EXPECT_EQ(redact_url_password("ssh://ann:hunter2@h:22/x"), "ssh://ann:***@h:22/x");
  EXPECT_EQ(redact_url_password("ssh://ann@h:22/x"), "ssh://ann@h:22/x");
  EXPECT_EQ(redact_url_password("ssh://h:22/a@b:c"), "ssh://h:22/a@b:c");
  EXPECT_EQ(redact_url_password("/mnt/remote"), "/mnt/remote");
}

TEST(SshMessageTest, AnUnknownHostIsToldHowToAddIt) {
  SshSettings settings;
  settings.known_hosts_files = {"/home/ann/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"};
  EXPECT_EQ(unknown_host_message(*parse_ssh_url("ssh://ann@build.example:2222/srv", "me"), settings,
                                 "ssh-ed25519 SHA256:abc"),
            "the SSH remote's host [build.example]:2222 is not in known_hosts "
            "(/home/ann/.ssh/known_hosts, /etc/ssh/ssh_known_hosts): mlops connects only to hosts "
            "it knows. Its key is ssh-ed25519 SHA256:abc; check it with the server's "
            "administrator, then add it with `ssh-keyscan -p 2222 build.example >> "
            "/home/ann/.ssh/known_hosts` (or connect once with ssh and accept it)");
  EXPECT_NE(unknown_host_message(*parse_ssh_url("ssh://h/srv", "me"), settings, "k")
                .find("`ssh-keyscan h >> "),
            std::string::npos);
}

TEST(SshMessageTest, AChangedHostKeyIsALoudRefusal) {
  SshSettings settings;
  settings.known_hosts_files = {"/tmp/kh"};
  EXPECT_EQ(changed_host_key_message(*parse_ssh_url("ssh://ann@h:2222/srv", "me"), settings,
                                     "ssh-ed25519 SHA256:abc"),
            "THE HOST KEY OF THE SSH REMOTE ssh://ann@h:2222/srv HAS CHANGED: it is not the key "
            "recorded for [h]:2222 in known_hosts (/tmp/kh). Someone may be intercepting the "
            "connection (a man-in-the-middle attack), or the server's key was replaced; mlops "
            "refuses to connect. The server offered ssh-ed25519 SHA256:abc. If the change is "
            "expected, remove the old entry (`ssh-keygen -R '[h]:2222'`) and add the new one "
            "after checking it.");
}

TEST(SshMessageTest, ALoginRefusalNamesKeysByWhereTheyCameFrom) {
  auto where = *parse_ssh_url("ssh://ann@h/srv", "me");
  LoginAttempts attempts;
  EXPECT_EQ(login_refused_message(where, attempts),
            "cannot log in to the SSH remote ssh://ann@h:22/srv as ann: no key to try (set "
            "MLOPS_SSH_KEY to a private key file, run ssh-agent, or create ~/.ssh/id_ed25519; "
            "docs/remotes.md)");
  attempts.refused = {"2 key(s) of ssh-agent", "~/.ssh/id_rsa"};
  attempts.encrypted = {"~/.ssh/id_ed25519"};
  attempts.refused_rsa = true;
  EXPECT_EQ(login_refused_message(where, attempts),
            "cannot log in to the SSH remote ssh://ann@h:22/srv as ann: the server refused 2 "
            "key(s) of ssh-agent, ~/.ssh/id_rsa; ~/.ssh/id_ed25519 protected by a passphrase, "
            "which mlops does not read: load it into ssh-agent (`eval \"$(ssh-agent)\"; "
            "ssh-add`); note: mlops's libssh2 (1.10) signs with an RSA key as ssh-rsa (SHA-1), "
            "which OpenSSH 8.8 and later refuse unless the server allows it "
            "(PubkeyAcceptedAlgorithms +ssh-rsa): use an ed25519 or ECDSA key (`ssh-keygen -t "
            "ed25519`)");
}

TEST(SshKnownHostsTest, LinesLoseTheirEnds) {
  EXPECT_EQ(known_hosts_lines("a k1\r\n\n# c \nb k2"),
            (std::vector<std::string>{"a k1", "", "# c", "b k2"}));
}

TEST(SshKeyTest, EncryptedKeysAreRecognized) {
  // ssh-keygen -t ed25519 -N '' and -N 'pass' (OpenSSH's format: the cipher's name is inside).
  const char* plain =
      "-----BEGIN OPENSSH PRIVATE KEY-----\n"
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
      "-----END OPENSSH PRIVATE KEY-----\n";
  const char* encrypted =
      "-----BEGIN OPENSSH PRIVATE KEY-----\n"
      "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABD0dxH1bS\n"
      "-----END OPENSSH PRIVATE KEY-----\n";
  EXPECT_FALSE(is_encrypted_private_key(plain));
  EXPECT_TRUE(is_encrypted_private_key(encrypted));
  EXPECT_TRUE(
      is_encrypted_private_key("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"));
  EXPECT_TRUE(is_encrypted_private_key("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n"));
  EXPECT_FALSE(is_encrypted_private_key("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n"));
  EXPECT_FALSE(is_encrypted_private_key("not a key"));
}

TEST(SshKeyTest, RsaKeysAreRecognized) {
  // The first bytes of ssh-keygen -t rsa / -t ed25519 keys (the public key's type is in the clear).
  auto key = [](const char* body) {
    return std::string("-----BEGIN OPENSSH PRIVATE KEY-----\n") + body +
           "\n-----END OPENSSH PRIVATE KEY-----\n";
  };
  EXPECT_TRUE(
      is_rsa_private_key(key("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtc"
                             "nNhAAAAAwEAAQAAAYEAkX7d")));
  EXPECT_FALSE(is_rsa_private_key(key(
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQAAACBJ1GvY")));
  EXPECT_TRUE(is_rsa_private_key("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n"));
  EXPECT_FALSE(is_rsa_private_key("-----BEGIN EC PRIVATE KEY-----\nMHcC\n"));
  EXPECT_TRUE(is_rsa_public_key_blob(std::string("\0\0\0\7ssh-rsa\0\0\0\3", 15)));
  EXPECT_FALSE(is_rsa_public_key_blob(std::string("\0\0\0\x0bssh-ed25519", 15)));
  EXPECT_FALSE(is_rsa_public_key_blob(""));
}

TEST(SshKeyTest, FingerprintsAreUnpaddedBase64) {
  EXPECT_EQ(base64_unpadded(""), "");
  EXPECT_EQ(base64_unpadded("f"), "Zg");
  EXPECT_EQ(base64_unpadded("fo"), "Zm8");
  EXPECT_EQ(base64_unpadded("foo"), "Zm9v");
  EXPECT_EQ(base64_unpadded("foob"), "Zm9vYg");
}

TEST(SshSettingsTest, TimeoutMustBeSeconds) {
  ::setenv("MLOPS_SSH_TIMEOUT", "5", 1);
  auto settings = ssh_settings_from_environment();
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->timeout_ms, 5000);
  ::setenv("MLOPS_SSH_TIMEOUT", "5s", 1);
  auto bad = ssh_settings_from_environment();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "MLOPS_SSH_TIMEOUT='5s' is not a number of seconds (1 to 3600)");
  ::unsetenv("MLOPS_SSH_TIMEOUT");
}

TEST(SshSettingsTest, AnExplicitKnownHostsFileReplacesTheDefaults) {
  ::setenv("MLOPS_SSH_KNOWN_HOSTS", "/tmp/kh", 1);
  ::setenv("MLOPS_SSH_KEY", "/tmp/key", 1);
  auto settings = ssh_settings_from_environment();
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->known_hosts_files, std::vector<std::string>{"/tmp/kh"});
  EXPECT_EQ(settings->explicit_key.value_or(""), "/tmp/key");
  ::unsetenv("MLOPS_SSH_KNOWN_HOSTS");
  ::unsetenv("MLOPS_SSH_KEY");
  auto defaults = ssh_settings_from_environment();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->known_hosts_files.back(), "/etc/ssh/ssh_known_hosts");
  EXPECT_FALSE(defaults->explicit_key.has_value());
}

}  // namespace
}  // namespace mlops
