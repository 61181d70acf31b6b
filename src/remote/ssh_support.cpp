#include "remote/ssh_support.hpp"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace mlops {
namespace {

constexpr std::string_view k_base64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The caller names the URL (without a password someone may have written in it).
Error bad_url(std::string_view why) {
  return Error(ErrorKind::Usage,
               fmt::format("{} (write ssh://[user@]host[:port]/absolute/path)", why));
}

// Decodes standard base64, skipping whitespace; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      continue;
    }
    if (c == '=') {
      break;
    }
    size_t value = k_base64.find(c);
    if (value == std::string_view::npos) {
      return std::nullopt;
    }
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

// Splits "host[:port]" (host possibly "[v6]"); the port stays 22 when absent.
Status split_host_port(std::string_view authority, SshLocation& where) {
  std::string_view port_text;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad_url("an unclosed '[' in the host");
    }
    where.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(":")) {
      return bad_url("text after the host's ']'");
    }
    port_text = rest.empty() ? rest : rest.substr(1);
    if (!rest.empty() && port_text.empty()) {
      return bad_url("an empty port");
    }
  } else {
    size_t colon = authority.rfind(':');
    where.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return bad_url("an empty port");
      }
    }
  }
  if (where.host.empty()) {
    return bad_url("no host");
  }
  if (where.host.find_first_of("[]@/ ") != std::string::npos) {
    return bad_url(fmt::format("'{}' is not a host name", where.host));
  }
  if (!port_text.empty()) {
    int port = 0;
    auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return bad_url(fmt::format("'{}' is not a port (1 to 65535)", port_text));
    }
    where.port = port;
  }
  return Status::success();
}

}  // namespace

Result<SshLocation> parse_ssh_url(const std::string& url, const std::string& default_user) {
  constexpr std::string_view scheme = "ssh://";
  if (!url.starts_with(scheme)) {
    return bad_url("it does not start with ssh://");
  }
  for (unsigned char c : url) {
    if (c < 0x20 || c == 0x7f) {
      return bad_url("a control character");
    }
  }
  if (url.find_first_of("%?#") != std::string::npos) {
    return bad_url("'%' escapes, queries and fragments are not supported");
  }
  std::string_view rest = std::string_view(url).substr(scheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return bad_url("no path after the host (the remote's directory, absolute)");
  }
  std::string_view authority = rest.substr(0, slash);
  SshLocation where;
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    where.user = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
    if (where.user.empty() || where.user.find_first_of(":@") != std::string::npos) {
      return bad_url("a malformed user name (passwords are never accepted in a URL)");
    }
  } else {
    where.user = default_user;
  }
  MLOPS_CHECK(split_host_port(authority, where));
  where.root = std::string(rest.substr(slash));
  while (where.root.size() > 1 && where.root.ends_with("/")) {
    where.root.pop_back();
  }
  if (where.user.empty()) {
    return bad_url("no user name, and none could be found for this process");
  }
  return where;
}

std::string describe_ssh_location(const SshLocation& location) {
  bool v6 = location.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + location.host + "]" : location.host;
  return fmt::format("ssh://{}@{}:{}{}", location.user, host, location.port, location.root);
}

std::string known_hosts_name(const SshLocation& location) {
  if (location.port == 22) {
    return location.host;
  }
  return fmt::format("[{}]:{}", location.host, location.port);
}

std::string default_ssh_user() {
  if (const char* user = std::getenv("USER"); user && *user) {
    return user;
  }
  if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_name) {
    return entry->pw_name;
  }
  return "";
}

Result<SshSettings> ssh_settings_from_environment() {
  SshSettings settings;
  std::string home;
  if (const char* value = std::getenv("HOME"); value && *value) {
    home = value;
  } else if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_dir) {
    home = entry->pw_dir;
  }
  if (const char* key = std::getenv("MLOPS_SSH_KEY"); key && *key) {
    settings.explicit_key = key;
  }
  if (!home.empty()) {
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
      settings.default_keys.push_back(home + "/.ssh/" + name);
    }
  }
  if (const char* file = std::getenv("MLOPS_SSH_KNOWN_HOSTS"); file && *file) {
    settings.known_hosts_files.push_back(file);
  } else {
    if (!home.empty()) {
      settings.known_hosts_files.push_back(home + "/.ssh/known_hosts");
    }
    settings.known_hosts_files.push_back("/etc/ssh/ssh_known_hosts");
  }
  if (const char* timeout = std::getenv("MLOPS_SSH_TIMEOUT"); timeout && *timeout) {
    std::string_view text(timeout);
    int seconds = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (error != std::errc() || end != text.data() + text.size() || seconds < 1 || seconds > 3600) {
      return Error(
          ErrorKind::Usage,
          fmt::format("MLOPS_SSH_TIMEOUT='{}' is not a number of seconds (1 to 3600)", text));
    }
    settings.timeout_ms = seconds * 1000;
  }
  return settings;
}

namespace {

constexpr std::string_view k_openssh_begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view k_openssh_end = "-----END OPENSSH PRIVATE KEY-----";
constexpr std::string_view k_openssh_magic("openssh-key-v1\0", 15);

// Reads SSH wire-format strings (a uint32 length, then the bytes) one after the other.
struct WireReader {
  std::string_view rest;
  std::optional<std::string_view> string() {
    if (rest.size() < 4) {
      return std::nullopt;
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(rest.data());
    size_t length = (size_t{bytes[0]} << 24) | (size_t{bytes[1]} << 16) | (size_t{bytes[2]} << 8) |
                    size_t{bytes[3]};
    if (rest.size() - 4 < length) {
      return std::nullopt;
    }
    std::string_view value = rest.substr(4, length);
    rest.remove_prefix(4 + length);
    return value;
  }
};

// The decoded body of a key in OpenSSH's own format, after its magic; nullopt for other texts.
std::optional<std::string> openssh_key_body(std::string_view text) {
  size_t from = text.find(k_openssh_begin);
  size_t to = text.find(k_openssh_end);
  if (from == std::string_view::npos || to == std::string_view::npos || to < from) {
    return std::nullopt;
  }
  from += k_openssh_begin.size();
  auto blob = base64_decode(text.substr(from, to - from));
  if (!blob || !blob->starts_with(k_openssh_magic)) {
    return std::nullopt;
  }
  return blob->substr(k_openssh_magic.size());
}

}  // namespace

bool is_encrypted_private_key(std::string_view text) {
  if (text.find("ENCRYPTED") != std::string_view::npos) {
    return true;  // PEM: "Proc-Type: 4,ENCRYPTED" or "BEGIN ENCRYPTED PRIVATE KEY"
  }
  // OpenSSH's format: the cipher's name comes first ("none" when not encrypted).
  auto body = openssh_key_body(text);
  if (!body) {
    return false;
  }
  auto cipher = WireReader{*body}.string();
  return cipher && *cipher != "none";
}

bool is_rsa_public_key_blob(std::string_view blob) {
  auto type = WireReader{blob}.string();
  return type && *type == "ssh-rsa";
}

bool is_rsa_private_key(std::string_view text) {
  if (text.find("-----BEGIN RSA PRIVATE KEY-----") != std::string_view::npos) {
    return true;
  }
  // OpenSSH's format: cipher, kdf, kdf options, the number of keys, then the public key in the
  // clear (also when the private part is encrypted), which starts with its type.
  auto body = openssh_key_body(text);
  if (!body) {
    return false;
  }
  WireReader reader{*body};
  if (!reader.string() || !reader.string() || !reader.string() || reader.rest.size() < 4) {
    return false;
  }
  reader.rest.remove_prefix(4);  // the number of keys; then the first public key's length
  return reader.rest.size() > 4 && is_rsa_public_key_blob(reader.rest.substr(4));
}

std::vector<std::string> known_hosts_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end;
    std::string line(text.substr(start, end - start));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

namespace {

std::string files_text(const SshSettings& settings) {
  return fmt::format("{}", fmt::join(settings.known_hosts_files, ", "));
}

}  // namespace

std::string unknown_host_message(const SshLocation& location, const SshSettings& settings,
                                 const std::string& fingerprint) {
  std::string port = location.port == 22 ? "" : fmt::format("-p {} ", location.port);
  std::string file = settings.known_hosts_files.empty() ? std::string("~/.ssh/known_hosts")
                                                        : settings.known_hosts_files.front();
  return fmt::format(
      "the SSH remote's host {} is not in known_hosts ({}): mlops connects only to hosts it "
      "knows. Its key is {}; check it with the server's administrator, then add it with "
      "`ssh-keyscan {}{} >> {}` (or connect once with ssh and accept it)",
      known_hosts_name(location), files_text(settings), fingerprint, port, location.host, file);
}

std::string changed_host_key_message(const SshLocation& location, const SshSettings& settings,
                                     const std::string& fingerprint) {
  std::string name = known_hosts_name(location);
  return fmt::format(
      "THE HOST KEY OF THE SSH REMOTE {} HAS CHANGED: it is not the key recorded for {} in "
      "known_hosts ({}). Someone may be intercepting the connection (a man-in-the-middle "
      "attack), or the server's key was replaced; mlops refuses to connect. The server offered "
      "{}. If the change is expected, remove the old entry (`ssh-keygen -R '{}'`) and add the "
      "new one after checking it.",
      describe_ssh_location(location), name, files_text(settings), fingerprint, name);
}

std::string login_refused_message(const SshLocation& location, const LoginAttempts& attempts) {
  std::string message =
      fmt::format("cannot log in to the SSH remote {} as {}: {}", describe_ssh_location(location),
                  location.user,
                  attempts.refused.empty()
                      ? std::string("no key to try")
                      : fmt::format("the server refused {}", fmt::join(attempts.refused, ", ")));
  if (!attempts.encrypted.empty()) {
    message += fmt::format(
        "; {} protected by a passphrase, which mlops does not read: load it into ssh-agent "
        "(`eval \"$(ssh-agent)\"; ssh-add`)",
        fmt::join(attempts.encrypted, ", "));
  } else if (attempts.refused.empty()) {
    message +=
        " (set MLOPS_SSH_KEY to a private key file, run ssh-agent, or create "
        "~/.ssh/id_ed25519; docs/remotes.md)";
  }
  if (attempts.refused_rsa) {
    message +=
        "; note: mlops's libssh2 (1.10) signs with an RSA key as ssh-rsa (SHA-1), which "
        "OpenSSH 8.8 and later refuse unless the server allows it (PubkeyAcceptedAlgorithms "
        "+ssh-rsa): use an ed25519 or ECDSA key (`ssh-keygen -t ed25519`)";
  }
  return message;
}

std::string redact_url_password(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) {
    return url;
  }
  size_t end = url.find('/', start + 3);
  size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  size_t colon = url.find(':', start + 3);
  if (at == std::string::npos || at < start + 3 || colon == std::string::npos || colon > at) {
    return url;
  }
  return url.substr(0, colon) + ":***" + url.substr(at);
}

std::string base64_unpadded(std::string_view bytes) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(k_base64[(bits >> count) & 0x3f]);
    }
  }
  if (count > 0) {
    out.push_back(k_base64[(bits << (6 - count)) & 0x3f]);
  }
  return out;
}

}  // namespace mlops
