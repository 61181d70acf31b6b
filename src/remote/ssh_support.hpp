// The parts of the SSH/SFTP remote (ssh_remote.cpp, docs/remotes.md) that need neither a server
// nor libssh2, kept apart so that they are unit-tested: reading the remote's URL, the name a
// host has in known_hosts, what the environment says (key, known_hosts files, timeout), and
// whether a private key file is encrypted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

// Where an SSH remote is: ssh://[user@]host[:port]/absolute/path.
struct SshLocation {
  std::string user;  // from the URL, else `default_user`
  std::string host;  // a name, an IPv4 address, or an IPv6 address (written [::1] in the URL)
  int port = 22;
  std::string root;  // absolute, without a trailing '/' (except "/" itself)
};

// Usage (saying what is wrong and what a valid URL looks like, without repeating the URL) for a URL
// that is not ssh://[user@]host[:port]/absolute/path, has a port outside 1..65535, or has control
// characters, '%' escapes, a query or a fragment (which mlops does not decode).
Result<SshLocation> parse_ssh_url(const std::string& url, const std::string& default_user);

// The remote as messages show it: ssh://user@host:port/path (no credentials in it, ever).
std::string describe_ssh_location(const SshLocation& location);

// The host's name in known_hosts, as OpenSSH writes it: "host" for port 22, "[host]:port" else.
std::string known_hosts_name(const SshLocation& location);

// What the environment says (docs/remotes.md):
struct SshSettings {
  // $MLOPS_SSH_KEY: the one private key to try (then the agent); else the agent, then the
  // default keys below.
  std::optional<std::string> explicit_key;
  std::vector<std::string> default_keys;  // ~/.ssh/id_ed25519, id_ecdsa, id_rsa
  // $MLOPS_SSH_KNOWN_HOSTS alone when set; else ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts.
  std::vector<std::string> known_hosts_files;
  int timeout_ms = 30000;  // $MLOPS_SSH_TIMEOUT (seconds): connecting, and any one reply
};

// The settings from the environment; Usage for a malformed MLOPS_SSH_TIMEOUT.
Result<SshSettings> ssh_settings_from_environment();

// The login name when the URL names none: $USER, else the password database's name for the uid.
std::string default_ssh_user();

// Whether the text of a private key file is protected by a passphrase (OpenSSH's own format
// with a cipher other than "none", or PEM with an ENCRYPTED header). mlops reads no passphrase:
// such a key must be loaded into ssh-agent.
bool is_encrypted_private_key(std::string_view text);

// Whether the private key file's text (or an agent's public key blob, with `blob`) is an RSA key:
// libssh2 1.10 signs with RSA only as "ssh-rsa" (SHA-1), which OpenSSH 8.8 and later refuse by
// default, so a refused RSA key gets that explanation. False when the type cannot be told.
bool is_rsa_private_key(std::string_view text);
bool is_rsa_public_key_blob(std::string_view blob);

// The lines of a known_hosts file (without line ends or trailing blanks).
std::vector<std::string> known_hosts_lines(std::string_view text);

// The refusal when the host's key is not in known_hosts: the files looked in, the key's
// `fingerprint` ("ssh-ed25519 SHA256:..."), and the ssh-keyscan command that adds it.
std::string unknown_host_message(const SshLocation& location, const SshSettings& settings,
                                 const std::string& fingerprint);
// The refusal when known_hosts has another key for the host (a possible man-in-the-middle).
std::string changed_host_key_message(const SshLocation& location, const SshSettings& settings,
                                     const std::string& fingerprint);

// What the attempts to log in tried, for the message when none was accepted: keys named by
// where they came from ("the key in $MLOPS_SSH_KEY", "~/.ssh/id_rsa", "2 key(s) of ssh-agent"),
// never by path or contents.
struct LoginAttempts {
  std::vector<std::string> refused;
  std::vector<std::string> encrypted;  // skipped: protected by a passphrase
  bool refused_rsa = false;
};
std::string login_refused_message(const SshLocation& location, const LoginAttempts& attempts);

// `url` for a message, with a password someone wrote in it replaced by "***".
std::string redact_url_password(const std::string& url);

// Standard base64 without padding, as OpenSSH prints fingerprints ("SHA256:...").
std::string base64_unpadded(std::string_view bytes);

}  // namespace mlops
