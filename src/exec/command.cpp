#include "exec/command.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include <fmt/format.h>

#include "exec/spawn.hpp"

namespace mlops {
namespace {

std::string path_of(const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& [key, value] : env) {
    if (key == "PATH") {
      return value;
    }
  }
  return "/usr/local/bin:/usr/bin:/bin";
}

// Reads what is available on `fd` into `into` (up to `cap` bytes kept); false at end of file.
bool drain(UniqueFd& fd, std::string& into, size_t cap) {
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, std::min(static_cast<size_t>(n), cap - std::min(cap, into.size())));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return true;
    }
    fd.reset();
    return false;
  }
}

constexpr std::chrono::milliseconds k_interrupt_check{100};

}  // namespace

bool interrupt_pending() {
  sigset_t pending;
  sigemptyset(&pending);
  if (::sigpending(&pending) != 0) {
    return false;
  }
  return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 ||
         sigismember(&pending, SIGHUP) == 1;
}

int take_pending_interrupt() {
  if (!interrupt_pending()) {
    return 0;
  }
  sigset_t watched;
  sigemptyset(&watched);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    sigaddset(&watched, signal);
  }
  const timespec now{0, 0};
  int taken = ::sigtimedwait(&watched, nullptr, &now);
  return taken > 0 ? taken : 0;
}

Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  const std::vector<std::pair<std::string, std::string>>& env,
                                  Milliseconds limit, bool interruptible) {
  if (argv.empty()) {
    return Error(ErrorKind::Internal, "run_command: empty argv");
  }
  std::filesystem::path executable = find_executable(argv[0], path_of(env), "/");
  if (executable.empty()) {
    return Error(ErrorKind::Io, fmt::format("{}: command not found", argv[0]));
  }
  auto spawned =
      spawn_in_new_group(SpawnRequest{executable, {argv.begin() + 1, argv.end()}, env, "/"});
  if (!spawned.ok()) {
    return spawned.error();
  }
  CommandOutput output;
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool timed_out = false;
  bool interrupted = false;
  while (spawned->stdout_fd.valid() || spawned->stderr_fd.valid()) {
    std::vector<pollfd> fds;
    for (UniqueFd* fd : {&spawned->stdout_fd, &spawned->stderr_fd}) {
      fds.push_back({fd->valid() ? fd->get() : -1, POLLIN, 0});
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (interruptible && interrupt_pending()) {
      interrupted = true;
      break;
    }
    auto wait = interruptible ? std::min(left, k_interrupt_check) : left;
    if (::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) < 0 && errno != EINTR) {
      break;
    }
    if (fds[0].revents != 0) {
      drain(spawned->stdout_fd, output.out, 16 << 20);
    }
    if (fds[1].revents != 0) {
      drain(spawned->stderr_fd, output.err, 64 << 10);
    }
  }
  if (timed_out || interrupted) {
    ::kill(-spawned->pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(spawned->pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (interrupted) {
    return Error(ErrorKind::Io, fmt::format("{} was stopped: mlops was interrupted", argv[0]));
  }
  if (timed_out) {
    return Error(ErrorKind::Io,
                 fmt::format("{} did not finish within {}", argv[0], format_duration(limit)));
  }
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return output;
}

}  // namespace mlops
