// The SSH/SFTP remote (docs/remotes.md): the objects live in a directory on an SSH server and
// travel over SFTP. This is the only file that includes libssh2.
//
// Connections: one SSH session (with its SFTP channel) per concurrent call, kept in a pool, so
// that the transfer threads of `push -j N` each use their own (libssh2 sessions are not
// thread-safe); at most k_max_handshakes are set up at once, which keeps a server's MaxStartups
// happy.
// Blocking mode with a timeout on every call: a dead server fails a call with Io instead of
// hanging.
//
// Trust: the server's host key must be in known_hosts (refused otherwise, loudly when it
// changed); then keys only: $MLOPS_SSH_KEY, or ssh-agent and the default key files.
//
// Layout under the remote's root: objects/<2 hex>/<30 hex>[.dir] as every remote, and tmp/,
// where put() uploads under a temporary name, fsyncs (fsync@openssh.com) and then renames into
// objects/ (OpenSSH's sftp-server renames a regular file by link+unlink: the object's name
// appears with all its bytes or not at all, and never replaces an existing object). So a put is
// visible as soon as it returns; publish() only sweeps tmp/ of uploads that were killed (left
// untouched for k_stale_temp_seconds). Run-cache entries (runcache/<32 hex>) are written the
// same way, but replace an older entry (replace_entry).
#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <random>
#include <semaphore>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cache/manifest.hpp"
#include "hash/digest.hpp"
#include "remote/remote.hpp"
#include "remote/ssh_support.hpp"
#include "util/file_io.hpp"
#include "util/unique_fd.hpp"

namespace mlops {
namespace {

constexpr size_t k_block = size_t{1} << 20;
constexpr size_t k_max_manifest_bytes = size_t{256} << 20;
constexpr size_t k_max_entry_bytes = size_t{16} << 20;
constexpr size_t k_max_known_hosts_bytes = size_t{16} << 20;
constexpr int64_t k_stale_temp_seconds = 15 * 60;
// Connections being set up at once: OpenSSH's default MaxStartups (10:30:100) starts refusing
// unauthenticated connections beyond 10.
constexpr std::ptrdiff_t k_max_handshakes = 4;

std::string temp_suffix() {
  std::random_device random;
  return fmt::format(".tmp-{:08x}{:08x}", random(), random());
}

// Everything a session needs to connect, read once when the remote is opened.
struct SshConfig {
  SshLocation where;
  SshSettings settings;
  std::string described;                       // describe_ssh_location
  std::vector<std::string> known_hosts_lines;  // of every known_hosts file, in order
};

// One connection: a socket, an authenticated SSH session and its SFTP channel; used by one
// thread at a time. `broken` once the transport failed (it is then dropped, not reused).
struct SshSession {
  UniqueFd socket;
  LIBSSH2_SESSION* session = nullptr;
  LIBSSH2_SFTP* sftp = nullptr;
  bool broken = false;

  SshSession() = default;
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;
  ~SshSession() {
    if (broken && socket.valid()) {
      ::shutdown(socket.get(), SHUT_RDWR);  // the goodbyes below then fail at once
    }
    if (sftp) {
      libssh2_sftp_shutdown(sftp);
    }
    if (session) {
      libssh2_session_disconnect(session, "done");
      libssh2_session_free(session);
    }
  }
};

// What went wrong in the last libssh2 call: the server's SFTP status (the session stays usable)
// or a transport error (the session is marked broken).
struct Failure {
  bool answered = false;     // an SFTP status from the server
  unsigned long status = 0;  // LIBSSH2_FX_* when answered
  std::string text;
};

std::string sftp_status_text(unsigned long status) {
  switch (status) {
    case LIBSSH2_FX_NO_SUCH_FILE:
    case LIBSSH2_FX_NO_SUCH_PATH:
      return "no such file or directory";
    case LIBSSH2_FX_PERMISSION_DENIED:
    case LIBSSH2_FX_WRITE_PROTECT:
      return "permission denied";
    case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
      return "no space left on the server";
    case LIBSSH2_FX_QUOTA_EXCEEDED:
      return "quota exceeded";
    case LIBSSH2_FX_OP_UNSUPPORTED:
      return "operation not supported by the server";
    case LIBSSH2_FX_FILE_ALREADY_EXISTS:
      return "file exists";
    default:
      return fmt::format("the server said failure (SFTP status {})", status);
  }
}

Failure last_failure(SshSession& session, int timeout_ms) {
  Failure failure;
  int code = libssh2_session_last_errno(session.session);
  if (code == LIBSSH2_ERROR_SFTP_PROTOCOL && session.sftp) {
    failure.answered = true;
    failure.status = libssh2_sftp_last_error(session.sftp);
    failure.text = sftp_status_text(failure.status);
    return failure;
  }
  session.broken = true;
  if (code == LIBSSH2_ERROR_TIMEOUT) {
    failure.text =
        fmt::format("no reply from the server within {} s (MLOPS_SSH_TIMEOUT)", timeout_ms / 1000);
    return failure;
  }
  char* message = nullptr;
  libssh2_session_last_error(session.session, &message, nullptr, 0);
  failure.text = message && *message ? message : fmt::format("libssh2 error {}", code);
  return failure;
}

// An open SFTP file or directory, closed when it goes (unless its session broke).
class SftpHandle {
 public:
  SftpHandle(SshSession& session, LIBSSH2_SFTP_HANDLE* handle)
      : m_session(&session), m_handle(handle) {}
  SftpHandle(SftpHandle&& other) noexcept
      : m_session(other.m_session), m_handle(std::exchange(other.m_handle, nullptr)) {}
  SftpHandle(const SftpHandle&) = delete;
  SftpHandle& operator=(const SftpHandle&) = delete;
  SftpHandle& operator=(SftpHandle&&) = delete;
  ~SftpHandle() { close(); }
  LIBSSH2_SFTP_HANDLE* get() const { return m_handle; }
  // Closes now; false when the server refused (for an upload: its bytes may not all be there).
  bool close() {
    bool closed = true;
    if (m_handle && !m_session->broken) {
      closed = libssh2_sftp_close_handle(m_handle) == 0;
    }
    m_handle = nullptr;
    return closed;
  }

 private:
  SshSession* m_session;
  LIBSSH2_SFTP_HANDLE* m_handle;
};

// ---------------------------------------------------------------------------------------------
// Connecting: a TCP connection within the timeout, the host key checked, keys only.

Result<UniqueFd> connect_socket(const SshConfig& config) {
  const SshLocation& where = config.where;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(where.port);
  if (int rc = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Error(ErrorKind::Io, fmt::format("cannot reach the SSH remote {}: {}", config.described,
                                            ::gai_strerror(rc)));
  }
  std::string why = "no address";
  UniqueFd connected;
  for (addrinfo* address = found; address && !connected.valid(); address = address->ai_next) {
    UniqueFd fd(::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         address->ai_protocol));
    if (!fd.valid()) {
      why = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd.get(), address->ai_addr, address->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd wait{fd.get(), POLLOUT, 0};
      rc = ::poll(&wait, 1, config.settings.timeout_ms);
      int error = 0;
      socklen_t length = sizeof(error);
      if (rc == 0) {
        error = ETIMEDOUT;
      } else if (rc < 0 || ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        error = errno;
      }
      errno = error;
      rc = error == 0 ? 0 : -1;
    }
    if (rc != 0) {
      why = std::strerror(errno);
      continue;
    }
    int one = 1;  // SFTP is request/reply: small requests must not wait for Nagle
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connected = std::move(fd);
  }
  ::freeaddrinfo(found);
  if (!connected.valid()) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot connect to the SSH remote {}: {}", config.described, why));
  }
  return connected;
}

// The known_hosts key type bit of a host key type libssh2 reports.
int known_host_key_bits(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
      return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

// The known hosts of every file, in a collection of `session`. Lines libssh2 cannot read
// (markers such as @cert-authority, key types it does not know) are skipped: one odd line must
// not make every other entry unusable.
struct KnownHosts {
  LIBSSH2_KNOWNHOSTS* hosts = nullptr;
  explicit KnownHosts(LIBSSH2_SESSION* session, const std::vector<std::string>& lines)
      : hosts(libssh2_knownhost_init(session)) {
    for (const auto& line : lines) {
      if (hosts && !line.empty() && line[0] != '#' && line[0] != '@') {
        libssh2_knownhost_readline(hosts, line.data(), line.size(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
      }
    }
  }
  KnownHosts(const KnownHosts&) = delete;
  KnownHosts& operator=(const KnownHosts&) = delete;
  ~KnownHosts() {
    if (hosts) {
      libssh2_knownhost_free(hosts);
    }
  }
  // Whether an entry for `name` with a key of this type exists (whatever the key: checking a
  // key that cannot match says MISMATCH exactly when such an entry exists).
  bool has_type(const std::string& name, int key_bits) const {
    return hosts && libssh2_knownhost_checkp(
                        hosts, name.c_str(), -1, "-", 1,
                        LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_BASE64 | key_bits,
                        nullptr) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
  }
};

// Asks the server for a host key of a type known_hosts has for it (as OpenSSH does), so that a
// host known by its RSA key is not refused as unknown for offering ECDSA first.
void prefer_known_key_types(LIBSSH2_SESSION* session, const KnownHosts& known,
                            const std::string& name) {
  struct Method {
    const char* names;
    int key_bits;
  };
  const Method methods[] = {
      {"ssh-ed25519", LIBSSH2_KNOWNHOST_KEY_ED25519},
      {"ecdsa-sha2-nistp256", LIBSSH2_KNOWNHOST_KEY_ECDSA_256},
      {"ecdsa-sha2-nistp384", LIBSSH2_KNOWNHOST_KEY_ECDSA_384},
      {"ecdsa-sha2-nistp521", LIBSSH2_KNOWNHOST_KEY_ECDSA_521},
      {"rsa-sha2-512,rsa-sha2-256,ssh-rsa", LIBSSH2_KNOWNHOST_KEY_SSHRSA},
  };
  std::string preferred;
  for (const auto& method : methods) {
    if (known.has_type(name, method.key_bits)) {
      preferred += (preferred.empty() ? "" : ",") + std::string(method.names);
    }
  }
  if (!preferred.empty()) {
    libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY, preferred.c_str());
  }
}

std::string key_type_name(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return "ssh-ed25519";
    default:
      return "unknown";
  }
}

// The keys of known_hosts' "@revoked HOSTS TYPE KEY" lines, as entries for `name`: OpenSSH never
// accepts a revoked key, and a revoked key is refused here whatever its host patterns say
// (libssh2 matches no wildcards, and a compromised key is not to be trusted for any host).
std::vector<std::string> revoked_entries(const std::vector<std::string>& lines,
                                         const std::string& name) {
  std::vector<std::string> entries;
  for (const auto& line : lines) {
    std::istringstream fields(line);
    std::string marker, hosts, type, key;
    if (fields >> marker >> hosts >> type >> key && marker == "@revoked") {
      entries.push_back(name + " " + type + " " + key);
    }
  }
  return entries;
}

Status verify_host_key(LIBSSH2_SESSION* session, const KnownHosts& known, const SshConfig& config) {
  size_t length = 0;
  int type = LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
  const char* key = libssh2_session_hostkey(session, &length, &type);
  const char* hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256);
  if (!key || !hash || !known.hosts) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot read the host key of the SSH remote {}", config.described));
  }
  std::string name = known_hosts_name(config.where);
  std::string fingerprint =
      fmt::format("{} SHA256:{}", key_type_name(type), base64_unpadded(std::string_view(hash, 32)));
  int flags =
      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | known_host_key_bits(type);
  KnownHosts revoked(session, revoked_entries(config.known_hosts_lines, name));
  if (!revoked.hosts || libssh2_knownhost_checkp(revoked.hosts, name.c_str(), -1, key, length,
                                                 flags, nullptr) == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
    return Error(ErrorKind::Corrupt,
                 fmt::format("the host key of the SSH remote {} ({}) is marked @revoked in "
                             "known_hosts: refused",
                             config.described, fingerprint));
  }
  int check = libssh2_knownhost_checkp(known.hosts, name.c_str(), -1, key, length, flags, nullptr);
  if (check == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
    return Status::success();
  }
  if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
    return Error(ErrorKind::Corrupt,
                 changed_host_key_message(config.where, config.settings, fingerprint));
  }
  return Error(ErrorKind::Usage, unknown_host_message(config.where, config.settings, fingerprint));
}

// ---------------------------------------------------------------------------------------------
// Authentication: keys only, from $MLOPS_SSH_KEY, ssh-agent or the default files.

// Tries the private key file at `path`; true when the server accepted it.
bool try_key_file(LIBSSH2_SESSION* session, const std::string& user, const std::string& path,
                  const std::string& shown, LoginAttempts& attempts) {
  auto text = read_file(path, size_t{1} << 20);
  if (!text.ok()) {
    if (shown.starts_with("the key in")) {  // a default key file that is absent is no news
      attempts.refused.push_back(shown + " (unreadable)");
    }
    return false;
  }
  if (is_encrypted_private_key(*text)) {
    attempts.encrypted.push_back(shown);
    return false;
  }
  int rc = libssh2_userauth_publickey_fromfile_ex(
      session, user.c_str(), static_cast<unsigned>(user.size()), nullptr, path.c_str(), nullptr);
  if (rc == 0) {
    return true;
  }
  attempts.refused.push_back(shown);
  attempts.refused_rsa = attempts.refused_rsa || is_rsa_private_key(*text);
  return false;
}

// Tries every identity of the agent at $SSH_AUTH_SOCK; true when one was accepted.
bool try_agent(LIBSSH2_SESSION* session, const std::string& user, LoginAttempts& attempts) {
  LIBSSH2_AGENT* agent = libssh2_agent_init(session);
  if (!agent) {
    return false;
  }
  int tried = 0;
  bool accepted = false;
  if (libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
    libssh2_agent_publickey* identity = nullptr;
    while (!accepted && libssh2_agent_get_identity(agent, &identity, identity) == 0) {
      ++tried;
      accepted = libssh2_agent_userauth(agent, user.c_str(), identity) == 0;
      attempts.refused_rsa =
          attempts.refused_rsa ||
          (!accepted && is_rsa_public_key_blob(std::string_view(
                            reinterpret_cast<const char*>(identity->blob), identity->blob_len)));
    }
    libssh2_agent_disconnect(agent);
  }
  libssh2_agent_free(agent);
  if (!accepted && tried > 0) {
    attempts.refused.push_back(fmt::format("{} key(s) of ssh-agent", tried));
  }
  return accepted;
}

Status authenticate(LIBSSH2_SESSION* session, const SshConfig& config) {
  const std::string& user = config.where.user;
  const char* methods =
      libssh2_userauth_list(session, user.c_str(), static_cast<unsigned>(user.size()));
  if (!methods && libssh2_userauth_authenticated(session)) {
    return Status::success();
  }
  if (!methods || !std::strstr(methods, "publickey")) {
    return Error(ErrorKind::Usage,
                 fmt::format("cannot log in to the SSH remote {}: the server does not accept keys "
                             "for {} (it offers: {}), and mlops logs in with keys only",
                             config.described, user, methods ? methods : "nothing"));
  }
  LoginAttempts attempts;
  const auto& explicit_key = config.settings.explicit_key;
  if (explicit_key &&
      try_key_file(session, user, *explicit_key, "the key in $MLOPS_SSH_KEY", attempts)) {
    return Status::success();
  }
  if (try_agent(session, user, attempts)) {
    return Status::success();
  }
  if (!explicit_key) {
    for (const auto& path : config.settings.default_keys) {
      std::string shown = "~/.ssh/" + std::filesystem::path(path).filename().string();
      if (try_key_file(session, user, path, shown, attempts)) {
        return Status::success();
      }
    }
  }
  return Error(ErrorKind::Usage, login_refused_message(config.where, attempts));
}

Result<std::unique_ptr<SshSession>> open_session(const SshConfig& config) {
  auto opened = std::make_unique<SshSession>();
  SshSession& s = *opened;
  MLOPS_TRY(socket, connect_socket(config));
  s.socket = std::move(*socket);
  s.session = libssh2_session_init();
  if (!s.session) {
    return Error(ErrorKind::Io, "cannot start an SSH session (out of memory)");
  }
  libssh2_session_set_blocking(s.session, 1);
  libssh2_session_set_timeout(s.session, config.settings.timeout_ms);
  KnownHosts known(s.session, config.known_hosts_lines);
  prefer_known_key_types(s.session, known, known_hosts_name(config.where));
  if (libssh2_session_handshake(s.session, s.socket.get()) != 0) {
    Failure failure = last_failure(s, config.settings.timeout_ms);
    return Error(ErrorKind::Io, fmt::format("the SSH handshake with {} failed: {}",
                                            config.described, failure.text));
  }
  MLOPS_CHECK(verify_host_key(s.session, known, config));
  MLOPS_CHECK(authenticate(s.session, config));
  s.sftp = libssh2_sftp_init(s.session);
  if (!s.sftp) {
    Failure failure = last_failure(s, config.settings.timeout_ms);
    return Error(ErrorKind::Io, fmt::format("cannot start SFTP on the SSH remote {}: {}",
                                            config.described, failure.text));
  }
  return opened;
}

// ---------------------------------------------------------------------------------------------
// The remote.

class SshRemote final : public Remote {
 public:
  explicit SshRemote(SshConfig config) : m_config(std::move(config)) {}

  std::string describe() const override { return m_config.described; }
  Status check_root();

  Result<bool> has(const std::string& digest, bool manifest) override;
  Status put(const std::string& digest, bool manifest,
             const std::filesystem::path& source) override;
  Status publish() override;
  Status get(const std::string& digest, bool manifest,
             const std::filesystem::path& target) override;
  Status put_entry(const std::string& name, const std::string& bytes) override;
  Result<std::optional<std::string>> get_entry(const std::string& name) override;

 private:
  // Runs `call` with a session of the pool (a new one when none is idle); the session goes back
  // to the pool unless it broke.
  template <typename T, typename Call>
  T with_session(Call call) {
    std::unique_ptr<SshSession> session;
    {
      std::lock_guard<std::mutex> guard(m_lock);
      if (!m_idle.empty()) {
        session = std::move(m_idle.back());
        m_idle.pop_back();
      }
    }
    if (!session) {
      auto opened = new_session();
      if (!opened.ok()) {
        return opened.error();
      }
      session = std::move(*opened);
    }
    T outcome = call(*session);
    if (!session->broken) {
      std::lock_guard<std::mutex> guard(m_lock);
      m_idle.push_back(std::move(session));
    }
    return outcome;
  }

  // A new session; once one could not be set up, the same error at once for every other (a
  // dead server must not cost a timeout per object).
  Result<std::unique_ptr<SshSession>> new_session() {
    {
      std::lock_guard<std::mutex> guard(m_lock);
      if (m_connect_error) {
        return *m_connect_error;
      }
    }
    m_handshakes.acquire();
    auto opened = open_session(m_config);
    m_handshakes.release();
    if (!opened.ok()) {
      std::lock_guard<std::mutex> guard(m_lock);
      m_connect_error = opened.error();
    }
    return opened;
  }

  std::string path_of(const std::string& digest, bool manifest) const {
    return root_prefix() + "/" + object_name(digest, manifest);
  }
  // The root as a prefix for "/name" ("" for the server's "/").
  std::string root_prefix() const { return m_config.where.root == "/" ? "" : m_config.where.root; }
  Error failed(SshSession& session, const std::string& what) const {
    return Error(ErrorKind::Io,
                 fmt::format("{} on the SSH remote {}: {}", what, describe(),
                             last_failure(session, m_config.settings.timeout_ms).text));
  }

  Result<SftpHandle> create_temp(SshSession& session, const std::string& temp);
  Result<std::string> send_file(SshSession& session, LIBSSH2_SFTP_HANDLE* handle, int in,
                                const std::filesystem::path& source);
  Status write_bytes(SshSession& session, LIBSSH2_SFTP_HANDLE* handle, std::string_view bytes,
                     const std::string& what);
  Status finish_upload(SshSession& session, SftpHandle& handle, const std::string& temp);
  Status rename_into_place(SshSession& session, const std::string& temp, const std::string& target);
  Status upload(SshSession& session, const std::string& digest, bool manifest,
                const std::filesystem::path& source);
  Result<std::string> receive_file(SshSession& session, LIBSSH2_SFTP_HANDLE* handle, int out,
                                   bool manifest, const std::filesystem::path& temp);
  Status download(SshSession& session, const std::string& digest, bool manifest,
                  const std::filesystem::path& target);
  Status sweep_stale_temps(SshSession& session);
  Status replace_entry(SshSession& session, const std::string& temp, const std::string& target);
  Result<std::optional<std::string>> read_entry(SshSession& session, const std::string& path);

  SshConfig m_config;
  std::mutex m_lock;  // m_idle, m_connect_error
  std::counting_semaphore<k_max_handshakes> m_handshakes{k_max_handshakes};
  std::vector<std::unique_ptr<SshSession>> m_idle;
  std::optional<Error> m_connect_error;
  std::atomic<bool> m_fsync_supported{true};
};

bool is_missing(const Failure& failure) {
  return failure.answered &&
         (failure.status == LIBSSH2_FX_NO_SUCH_FILE || failure.status == LIBSSH2_FX_NO_SUCH_PATH);
}

Error bad_digest(const std::string& digest) {
  return Error(ErrorKind::Corrupt, fmt::format("'{}' is not an object's digest", digest));
}

Status SshRemote::check_root() {
  return with_session<Status>([&](SshSession& s) -> Status {
    const std::string& root = m_config.where.root;
    LIBSSH2_SFTP_ATTRIBUTES attributes{};
    if (libssh2_sftp_stat_ex(s.sftp, root.c_str(), static_cast<unsigned>(root.size()),
                             LIBSSH2_SFTP_STAT, &attributes) != 0) {
      Failure failure = last_failure(s, m_config.settings.timeout_ms);
      if (is_missing(failure)) {
        return Error(ErrorKind::NotFound,
                     fmt::format("the remote directory {} does not exist on {}; create it first",
                                 root, describe()));
      }
      return Error(ErrorKind::Io,
                   fmt::format("cannot look at the SSH remote {}: {}", describe(), failure.text));
    }
    if ((attributes.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
        !LIBSSH2_SFTP_S_ISDIR(attributes.permissions)) {
      return Error(ErrorKind::NotFound,
                   fmt::format("the SSH remote {} is not a directory", describe()));
    }
    return Status::success();
  });
}

Result<bool> SshRemote::has(const std::string& digest, bool manifest) {
  if (!is_object_digest(digest)) {
    return bad_digest(digest);
  }
  std::string path = path_of(digest, manifest);
  return with_session<Result<bool>>([&](SshSession& s) -> Result<bool> {
    LIBSSH2_SFTP_ATTRIBUTES attributes{};
    if (libssh2_sftp_stat_ex(s.sftp, path.c_str(), static_cast<unsigned>(path.size()),
                             LIBSSH2_SFTP_STAT, &attributes) == 0) {
      return !(attributes.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) ||
             LIBSSH2_SFTP_S_ISREG(attributes.permissions);
    }
    Failure failure = last_failure(s, m_config.settings.timeout_ms);
    if (is_missing(failure)) {
      return false;
    }
    return Error(ErrorKind::Io, fmt::format("cannot look for {} on the SSH remote {}: {}", digest,
                                            describe(), failure.text));
  });
}

Status SshRemote::put(const std::string& digest, bool manifest,
                      const std::filesystem::path& source) {
  if (!is_object_digest(digest)) {
    return bad_digest(digest);
  }
  return with_session<Status>([&](SshSession& s) { return upload(s, digest, manifest, source); });
}

Result<SftpHandle> SshRemote::create_temp(SshSession& s, const std::string& temp) {
  auto open = [&] {
    return libssh2_sftp_open_ex(s.sftp, temp.c_str(), static_cast<unsigned>(temp.size()),
                                LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL, 0444,
                                LIBSSH2_SFTP_OPENFILE);
  };
  LIBSSH2_SFTP_HANDLE* handle = open();
  if (!handle && is_missing(last_failure(s, m_config.settings.timeout_ms))) {
    std::string directory = root_prefix() + "/tmp";  // the first upload to this remote
    libssh2_sftp_mkdir_ex(s.sftp, directory.c_str(), static_cast<unsigned>(directory.size()), 0755);
    handle = s.broken ? nullptr : open();
  }
  if (!handle) {
    return failed(s, "cannot create a temporary file in tmp/");
  }
  return SftpHandle(s, handle);
}

Result<std::string> SshRemote::send_file(SshSession& s, LIBSSH2_SFTP_HANDLE* handle, int in,
                                         const std::filesystem::path& source) {
  Hasher hasher;
  std::string buffer(k_block, '\0');
  while (true) {
    ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot read {}: {}", source.string(), std::strerror(errno)));
    }
    if (got == 0) {
      return hasher.finish().hex();
    }
    std::string_view bytes(buffer.data(), static_cast<size_t>(got));
    hasher.update(bytes);
    MLOPS_CHECK(write_bytes(s, handle, bytes, source.filename().string()));
  }
}

Status SshRemote::write_bytes(SshSession& s, LIBSSH2_SFTP_HANDLE* handle, std::string_view bytes,
                              const std::string& what) {
  // libssh2 sends up to all the bytes in pipelined packets and returns as the first ones are
  // acknowledged: the rest is passed again, as it asks.
  while (!bytes.empty()) {
    ssize_t sent = libssh2_sftp_write(handle, bytes.data(), bytes.size());
    if (sent < 0) {
      return failed(s, "cannot upload " + what);
    }
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return Status::success();
}

Status SshRemote::finish_upload(SshSession& s, SftpHandle& handle, const std::string& temp) {
  if (m_fsync_supported && libssh2_sftp_fsync(handle.get()) != 0) {
    Failure failure = last_failure(s, m_config.settings.timeout_ms);
    if (!failure.answered || failure.status != LIBSSH2_FX_OP_UNSUPPORTED) {
      return Error(ErrorKind::Io, fmt::format("cannot sync an upload on the SSH remote {}: {}",
                                              describe(), failure.text));
    }
    m_fsync_supported = false;  // a server without fsync@openssh.com: its own durability
  }
  if (!handle.close()) {
    return failed(s, "cannot finish uploading " + temp.substr(temp.rfind('/') + 1));
  }
  return Status::success();
}

Status SshRemote::rename_into_place(SshSession& s, const std::string& temp,
                                    const std::string& target) {
  auto rename = [&] {
    return libssh2_sftp_rename_ex(s.sftp, temp.c_str(), static_cast<unsigned>(temp.size()),
                                  target.c_str(), static_cast<unsigned>(target.size()),
                                  LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
                                      LIBSSH2_SFTP_RENAME_NATIVE) == 0;
  };
  if (rename()) {
    return Status::success();
  }
  if (is_missing(last_failure(s, m_config.settings.timeout_ms))) {
    // objects/ or its fan-out directory is new; another upload may be creating it at the same
    // moment, so a mkdir that fails is fine as long as the rename then works.
    for (const std::string& directory :
         {root_prefix() + "/objects", target.substr(0, target.rfind('/'))}) {
      libssh2_sftp_mkdir_ex(s.sftp, directory.c_str(), static_cast<unsigned>(directory.size()),
                            0755);
    }
    if (!s.broken && rename()) {
      return Status::success();
    }
  }
  if (s.broken) {
    return failed(s, "cannot publish " + target.substr(target.rfind('/') + 1));
  }
  // OpenSSH renames by link(): it fails when the object is already there (another push put
  // it, with the same bytes as its name says); then the upload is not needed.
  LIBSSH2_SFTP_ATTRIBUTES attributes{};
  if (libssh2_sftp_stat_ex(s.sftp, target.c_str(), static_cast<unsigned>(target.size()),
                           LIBSSH2_SFTP_STAT, &attributes) == 0 &&
      LIBSSH2_SFTP_S_ISREG(attributes.permissions)) {
    libssh2_sftp_unlink_ex(s.sftp, temp.c_str(), static_cast<unsigned>(temp.size()));
    return Status::success();
  }
  return failed(s, "cannot publish " + target.substr(target.rfind('/') + 1));
}

Status SshRemote::upload(SshSession& s, const std::string& digest, bool manifest,
                         const std::filesystem::path& source) {
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) {
    return Error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                 fmt::format("cannot read {}: {}", source.string(), std::strerror(errno)));
  }
  std::string temp = root_prefix() + "/tmp/" + digest + (manifest ? ".dir" : "") + temp_suffix();
  MLOPS_TRY(handle, create_temp(s, temp));
  auto sent = send_file(s, handle->get(), in.get(), source);
  Status outcome = sent.ok() ? Status::success() : Status(sent.error());
  if (outcome.ok() && !manifest && *sent != digest) {
    outcome = Error(ErrorKind::Corrupt,
                    fmt::format("{} no longer matches its digest {}", source.string(), digest));
  }
  if (outcome.ok()) {
    outcome = finish_upload(s, *handle, temp);
  }
  if (outcome.ok()) {
    outcome = rename_into_place(s, temp, path_of(digest, manifest));
  }
  if (!outcome.ok() && !s.broken) {
    handle->close();
    libssh2_sftp_unlink_ex(s.sftp, temp.c_str(), static_cast<unsigned>(temp.size()));
  }
  return outcome;
}

Status SshRemote::get(const std::string& digest, bool manifest,
                      const std::filesystem::path& target) {
  if (!is_object_digest(digest)) {
    return bad_digest(digest);
  }
  return with_session<Status>([&](SshSession& s) { return download(s, digest, manifest, target); });
}

// How much to ask libssh2_sftp_read for: it requests 4 times the buffer ahead of what was read
// (in 30000-byte requests), whatever the file's size, so a 1 MiB buffer would send some 140
// requests for a 4 KiB object. A quarter of what is left keeps every request inside the file
// while the whole rest is in flight.
size_t read_size(std::optional<uint64_t> left) {
  if (!left) {
    return size_t{256} << 10;
  }
  return static_cast<size_t>(std::clamp<uint64_t>(*left / 4, 1, k_block));
}

Result<std::string> SshRemote::receive_file(SshSession& s, LIBSSH2_SFTP_HANDLE* handle, int out,
                                            bool manifest, const std::filesystem::path& temp) {
  std::optional<uint64_t> size;
  LIBSSH2_SFTP_ATTRIBUTES attributes{};
  if (libssh2_sftp_fstat_ex(handle, &attributes, 0) != 0) {
    return failed(s, "cannot download an object");
  }
  if (attributes.flags & LIBSSH2_SFTP_ATTR_SIZE) {
    size = attributes.filesize;
  }
  if (manifest && size && *size > k_max_manifest_bytes) {
    return Error(ErrorKind::Corrupt, "a manifest on the SSH remote is larger than 256 MiB");
  }
  Hasher hasher;
  std::string buffer(k_block, '\0');
  uint64_t total = 0;
  // Up to the size the server gave (bytes beyond it, or missing, fail the digest check).
  while (!size || total < *size) {
    size_t wanted = read_size(size ? std::optional<uint64_t>(*size - total) : std::nullopt);
    ssize_t got = libssh2_sftp_read(handle, buffer.data(), wanted);
    if (got < 0) {
      return failed(s, "cannot download an object");
    }
    if (got == 0) {
      break;
    }
    total += static_cast<uint64_t>(got);
    if (manifest && total > k_max_manifest_bytes) {
      return Error(ErrorKind::Corrupt, "a manifest on the SSH remote is larger than 256 MiB");
    }
    std::string_view bytes(buffer.data(), static_cast<size_t>(got));
    hasher.update(bytes);
    if (!write_all(out, bytes)) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot write {}: {}", temp.string(), std::strerror(errno)));
    }
  }
  return hasher.finish().hex();
}

Status SshRemote::download(SshSession& s, const std::string& digest, bool manifest,
                           const std::filesystem::path& target) {
  std::string path = path_of(digest, manifest);
  LIBSSH2_SFTP_HANDLE* raw =
      libssh2_sftp_open_ex(s.sftp, path.c_str(), static_cast<unsigned>(path.size()),
                           LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE);
  if (!raw) {
    Failure failure = last_failure(s, m_config.settings.timeout_ms);
    if (is_missing(failure)) {
      return Error(ErrorKind::NotFound,
                   fmt::format("the SSH remote {} has no object {}", describe(), digest));
    }
    return Error(ErrorKind::Io, fmt::format("cannot download {} from the SSH remote {}: {}", digest,
                                            describe(), failure.text));
  }
  SftpHandle handle(s, raw);
  std::filesystem::path temp = target.string() + temp_suffix();
  UniqueFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444));
  if (!out.valid()) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  }
  auto received = receive_file(s, handle.get(), out.get(), manifest, temp);
  handle.close();
  out.reset();
  return accept_download(digest, manifest, received, temp, target, describe());
}

Status SshRemote::publish() {
  // Every put is visible already; what is left is the temporary files of uploads that were
  // killed. Best effort: a remote that cannot be swept is still a good remote.
  return with_session<Status>([&](SshSession& s) {
    (void)sweep_stale_temps(s);
    return Status::success();
  });
}

Status SshRemote::sweep_stale_temps(SshSession& s) {
  std::string directory = root_prefix() + "/tmp";
  LIBSSH2_SFTP_HANDLE* raw =
      libssh2_sftp_open_ex(s.sftp, directory.c_str(), static_cast<unsigned>(directory.size()), 0, 0,
                           LIBSSH2_SFTP_OPENDIR);
  if (!raw) {
    return failed(s, "cannot list tmp/");
  }
  SftpHandle handle(s, raw);
  std::vector<std::string> stale;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  char name[512];
  LIBSSH2_SFTP_ATTRIBUTES attributes{};
  int length = 0;
  while ((length = libssh2_sftp_readdir_ex(raw, name, sizeof(name), nullptr, 0, &attributes)) > 0) {
    std::string entry(name, static_cast<size_t>(length));
    // Only names an upload makes, inside tmp/ (a server's listing is not trusted further).
    bool ours = entry.find(".tmp-") != std::string::npos && entry.find('/') == std::string::npos &&
                is_object_digest(entry.substr(0, 32));
    if (ours && (attributes.flags & LIBSSH2_SFTP_ATTR_ACMODTIME) &&
        now - static_cast<int64_t>(attributes.mtime) > k_stale_temp_seconds) {
      stale.push_back(directory + "/" + entry);
    }
  }
  if (length < 0) {
    return failed(s, "cannot list tmp/");
  }
  handle.close();
  for (const auto& path : stale) {
    libssh2_sftp_unlink_ex(s.sftp, path.c_str(), static_cast<unsigned>(path.size()));
  }
  return Status::success();
}

Status SshRemote::put_entry(const std::string& name, const std::string& bytes) {
  if (!is_entry_name(name)) {
    return Error(ErrorKind::Internal, fmt::format("'{}' is not a run-cache entry's name", name));
  }
  return with_session<Status>([&](SshSession& s) -> Status {
    std::string temp =
        root_prefix() + "/tmp/" + name.substr(name.find('/') + 1) + ".entry" + temp_suffix();
    MLOPS_TRY(handle, create_temp(s, temp));
    Status outcome = write_bytes(s, handle->get(), bytes, name);
    if (outcome.ok()) {
      outcome = finish_upload(s, *handle, temp);
    }
    if (outcome.ok()) {
      outcome = replace_entry(s, temp, root_prefix() + "/" + name);
    }
    if (!outcome.ok() && !s.broken) {
      handle->close();
      libssh2_sftp_unlink_ex(s.sftp, temp.c_str(), static_cast<unsigned>(temp.size()));
    }
    return outcome;
  });
}

// Renames the complete, synced `temp` to `target`, replacing it. OpenSSH's rename never
// replaces a file (and libssh2 1.10 cannot send posix-rename@openssh.com), so an existing entry
// is removed first: for that moment a reader finds no entry (a miss in the run cache), never a
// part of one.
Status SshRemote::replace_entry(SshSession& s, const std::string& temp, const std::string& target) {
  auto rename = [&] {
    return libssh2_sftp_rename_ex(s.sftp, temp.c_str(), static_cast<unsigned>(temp.size()),
                                  target.c_str(), static_cast<unsigned>(target.size()),
                                  LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
                                      LIBSSH2_SFTP_RENAME_NATIVE) == 0;
  };
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (rename()) {
      return Status::success();
    }
    Failure failure = last_failure(s, m_config.settings.timeout_ms);
    if (s.broken) {
      break;
    }
    if (is_missing(failure)) {
      std::string directory = target.substr(0, target.rfind('/'));
      libssh2_sftp_mkdir_ex(s.sftp, directory.c_str(), static_cast<unsigned>(directory.size()),
                            0755);
    } else {
      libssh2_sftp_unlink_ex(s.sftp, target.c_str(), static_cast<unsigned>(target.size()));
    }
  }
  return failed(s, "cannot write " + target.substr(root_prefix().size() + 1));
}

Result<std::optional<std::string>> SshRemote::get_entry(const std::string& name) {
  if (!is_entry_name(name)) {
    return Error(ErrorKind::Internal, fmt::format("'{}' is not a run-cache entry's name", name));
  }
  return with_session<Result<std::optional<std::string>>>(
      [&](SshSession& s) { return read_entry(s, root_prefix() + "/" + name); });
}

Result<std::optional<std::string>> SshRemote::read_entry(SshSession& s, const std::string& path) {
  LIBSSH2_SFTP_HANDLE* raw =
      libssh2_sftp_open_ex(s.sftp, path.c_str(), static_cast<unsigned>(path.size()),
                           LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE);
  if (!raw) {
    if (is_missing(last_failure(s, m_config.settings.timeout_ms))) {
      return std::optional<std::string>();
    }
    return failed(s, "cannot read " + path.substr(root_prefix().size() + 1));
  }
  SftpHandle handle(s, raw);
  std::string bytes;
  std::string buffer(size_t{64} << 10, '\0');
  while (true) {
    ssize_t got = libssh2_sftp_read(raw, buffer.data(), buffer.size());
    if (got < 0) {
      return failed(s, "cannot read " + path.substr(root_prefix().size() + 1));
    }
    if (got == 0) {
      return std::optional<std::string>(std::move(bytes));
    }
    if (bytes.size() + static_cast<size_t>(got) > k_max_entry_bytes) {
      return Error(ErrorKind::Corrupt,
                   fmt::format("{} on the SSH remote {} is larger than 16 MiB",
                               path.substr(root_prefix().size() + 1), describe()));
    }
    bytes.append(buffer.data(), static_cast<size_t>(got));
  }
}

}  // namespace

Result<std::unique_ptr<Remote>> open_ssh_remote(const std::string& url) {
  static const int initialized = libssh2_init(0);
  if (initialized != 0) {
    return Error(ErrorKind::Io, "cannot initialize libssh2 (its crypto library failed)");
  }
  MLOPS_TRY(settings, ssh_settings_from_environment());
  auto where = parse_ssh_url(url, default_ssh_user());
  if (!where.ok()) {
    return Error(where.error().kind(),
                 fmt::format("'{}' is not an SSH remote mlops can use: {}",
                             redact_url_password(url), where.error().message()));
  }
  SshConfig config;
  config.where = *where;
  config.settings = *settings;
  config.described = describe_ssh_location(*where);
  for (const auto& file : settings->known_hosts_files) {
    auto text = read_file(file, k_max_known_hosts_bytes);
    if (!text.ok()) {
      continue;  // a missing file knows no host
    }
    for (auto& line : known_hosts_lines(*text)) {
      config.known_hosts_lines.push_back(std::move(line));
    }
  }
  auto remote = std::make_unique<SshRemote>(std::move(config));
  MLOPS_CHECK(remote->check_root());
  return std::unique_ptr<Remote>(std::move(remote));
}

}  // namespace mlops
