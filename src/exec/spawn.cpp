#include "exec/spawn.hpp"

// Boost.Process 1.74 compiles its vfork path only when _POSIX_C_SOURCE is older than 2008
// (detail/config.hpp), which glibc never is; the code itself is fine on Linux. Enable it here, the
// one file that includes Boost.Process.
#define BOOST_POSIX_HAS_VFORK 1

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exception.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/posix.hpp>
#include <boost/process/start_dir.hpp>
#include <optional>

#include "util/strings.hpp"

extern char** environ;

namespace bp = boost::process;

namespace mlops {
namespace {

// Runs in the child between fork and exec: only async-signal-safe calls here.
void prepare_child(pid_t parent) {
  // A new session, so that the stage's processes stay findable by session id even when one of
  // them moves to another process group (job control); failing that, a new group.
  if (::setsid() < 0) {
    ::setpgid(0, 0);
  }
  // Die with mlops: PR_SET_PDEATHSIG fires when the forking thread ends; mlops runs stages from
  // its main thread only. If mlops already died before this line, stop now.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) {
    ::_exit(127);
  }
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU}) {
    ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void make_nonblocking_cloexec(int fd) {
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

bool is_executable_file(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

// Boost.Process 1.74's environment type reads past the end of shorter entries when it looks a
// name up (its find() runs std::equal over C strings; AddressSanitizer reports it). Its executor
// takes the child's environment from ::environ when none is given, so we point ::environ at our
// own array for the duration of one spawn instead. mlops starts processes from one thread only.
class EnvironmentSwap {
 public:
  explicit EnvironmentSwap(const std::vector<std::pair<std::string, std::string>>& env) {
    m_entries.reserve(env.size());
    for (const auto& [key, value] : env) {
      m_entries.push_back(key + "=" + value);
    }
    for (auto& entry : m_entries) {
      m_pointers.push_back(entry.data());
    }
    m_pointers.push_back(nullptr);
    m_saved = environ;
    environ = m_pointers.data();
  }
  ~EnvironmentSwap() { environ = m_saved; }
  EnvironmentSwap(const EnvironmentSwap&) = delete;
  EnvironmentSwap& operator=(const EnvironmentSwap&) = delete;

 private:
  std::vector<std::string> m_entries;
  std::vector<char*> m_pointers;
  char** m_saved = nullptr;
};

}  // namespace

std::filesystem::path find_executable(const std::string& program, const std::string& path_variable,
                                      const std::filesystem::path& workdir) {
  if (program.empty()) {
    return {};
  }
  if (program.find('/') != std::string::npos) {
    std::filesystem::path path = program;
    if (path.is_relative()) {
      path = workdir / path;
    }
    return is_executable_file(path) ? path : std::filesystem::path();
  }
  for (const auto& dir : split(path_variable, ':')) {
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (candidate.is_relative()) {
      candidate = workdir / candidate;
    }
    if (is_executable_file(candidate)) {
      return candidate;
    }
  }
  return {};
}

Result<SpawnedProcess> spawn_in_new_group(const SpawnRequest& request) {
  bp::pipe out_pipe;
  bp::pipe err_pipe;
  pid_t parent = ::getpid();
  EnvironmentSwap environment(request.env);
  // vfork instead of fork: mlops's address space (sqlite, libgit2, yaml-cpp mapped) makes a
  // fork cost more than the exec it leads to. The child runs only async-signal-safe calls before
  // exec. Boost.Process 1.74 offers vfork only with exceptions (not with std::error_code).
  std::optional<bp::child> child;
  try {
    // clang-format would read "std_in < bp::null, bp::std_out > out_pipe" as a template.
    // clang-format off
    child.emplace(bp::exe = request.executable.string(), bp::args = request.args,
                  bp::start_dir = request.workdir.string(),
                  bp::std_in < bp::null,
                  bp::std_out > out_pipe,
                  bp::std_err > err_pipe,
                  bp::extend::on_exec_setup = [parent](auto&) { prepare_child(parent); },
                  bp::posix::use_vfork);
    // clang-format on
  } catch (const bp::process_error& error) {
    return Error(ErrorKind::Io, fmt::format("cannot start {}: {}", request.executable.string(),
                                            error.code().message()));
  }
  if (!child->valid()) {
    return Error(ErrorKind::Io, fmt::format("cannot start {}", request.executable.string()));
  }
  SpawnedProcess process;
  process.pid = child->id();
  // The child made itself a session (and group) leader before exec; with vfork the parent
  // resumes only after that exec. Should it ever be a fork, calling setpgid here too closes the
  // window in which the parent might signal a group that does not exist yet (the child's setsid
  // then fails and it falls back to setpgid). EPERM after the child's setsid is expected.
  ::setpgid(process.pid, process.pid);
  // mlops reaps with waitpid itself; a detached bp::child neither waits nor kills on destruction.
  child->detach();
  process.stdout_fd.reset(out_pipe.native_source());
  out_pipe.assign_source(-1);
  process.stderr_fd.reset(err_pipe.native_source());
  err_pipe.assign_source(-1);
  make_nonblocking_cloexec(process.stdout_fd.get());
  make_nonblocking_cloexec(process.stderr_fd.get());
  return process;
}

}  // namespace mlops
