#include "app/watch_loop.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "app/data_watches.hpp"
#include "exec/line_splitter.hpp"
#include "exec/spawn.hpp"
#include "util/duration.hpp"
#include "util/environment.hpp"
#include "util/glob.hpp"
#include "util/strings.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

using Steady = std::chrono::steady_clock;

// Trigger checks as child processes of this binary, their output relayed as log lines.
class ProcessCheckLauncher final : public CheckLauncher {
 public:
  ProcessCheckLauncher(const WatchOptions& options, const WallClock& clock, WatchEvents& events)
      : m_options(options), m_clock(clock), m_events(events) {}

  Result<int> start(const std::filesystem::path& file) override;
  void stop(int id) override {
    if (auto it = m_children.find(id); it != m_children.end()) {
      ::kill(it->second->pid, SIGTERM);
    }
  }
  // The pipes to poll, with the child each belongs to.
  void add_fds(std::vector<pollfd>& fds, std::vector<int>& owners) const;
  // Relays what the child wrote on `fd`; closes the pipe at its end.
  void relay(int id, int fd);
  // Reaps the children whose pipes are closed and that have exited: (id, exit code).
  std::vector<std::pair<int, int>> reap();

 private:
  struct Child {
    pid_t pid = -1;
    UniqueFd out;
    UniqueFd err;
    LineSplitter out_lines;
    LineSplitter err_lines;
  };
  EnvironmentList child_env() const;

  const WatchOptions& m_options;
  const WallClock& m_clock;
  WatchEvents& m_events;
  std::map<int, std::unique_ptr<Child>> m_children;
  int m_next_id = 1;
};

EnvironmentList ProcessCheckLauncher::child_env() const {
  EnvironmentList env;
  for (auto& [key, value] : current_environment()) {
    if (key != "MLOPS_TEST_NOW") {
      env.emplace_back(key, value);
    }
  }
  // The child's clock goes on from the watcher's (which tests may have moved).
  if (test_hooks_enabled()) {
    env.emplace_back("MLOPS_TEST_NOW", format_utc_iso(m_clock.now()));
  }
  return env;
}

Result<int> ProcessCheckLauncher::start(const std::filesystem::path& file) {
  SpawnRequest request;
  // This binary by its real path, so that `ps` shows "mlops trigger check" (argv[0] is the
  // executable's path); /proc/self/exe when that path is gone (the binary was replaced).
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  request.executable = !error && std::filesystem::exists(self) ? self : "/proc/self/exe";
  request.args = {"trigger", "check", file.string(), "--from-watch"};
  if (m_options.store) {
    request.args.insert(request.args.end(), {"--store", m_options.store->string()});
  }
  if (m_options.jobs > 0) {
    request.args.insert(request.args.end(), {"-j", std::to_string(m_options.jobs)});
  }
  if (m_options.quiet) {
    request.args.push_back("-q");
  }
  request.env = child_env();
  request.workdir = std::filesystem::current_path();
  MLOPS_TRY(spawned, spawn_in_new_group(request));
  auto child = std::make_unique<Child>();
  child->pid = spawned->pid;
  child->out = std::move(spawned->stdout_fd);
  child->err = std::move(spawned->stderr_fd);
  int id = m_next_id++;
  m_children[id] = std::move(child);
  return id;
}

void ProcessCheckLauncher::add_fds(std::vector<pollfd>& fds, std::vector<int>& owners) const {
  for (const auto& [id, child] : m_children) {
    for (const UniqueFd* fd : {&child->out, &child->err}) {
      if (fd->valid()) {
        fds.push_back({fd->get(), POLLIN, 0});
        owners.push_back(id);
      }
    }
  }
}

void ProcessCheckLauncher::relay(int id, int fd) {
  auto it = m_children.find(id);
  if (it == m_children.end()) {
    return;
  }
  Child& child = *it->second;
  bool is_out = child.out.valid() && child.out.get() == fd;
  UniqueFd& pipe = is_out ? child.out : child.err;
  LineSplitter& lines = is_out ? child.out_lines : child.err_lines;
  auto emit = [&](std::string_view block) {
    for (const auto& line : split(block.substr(0, block.size() - 1), '\n')) {
      m_events.log(line);
    }
  };
  char buffer[8192];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      lines.feed(std::string_view(buffer, static_cast<size_t>(got)), emit);
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
      return;
    }
    lines.finish(emit);
    pipe.reset();
    return;
  }
}

std::vector<std::pair<int, int>> ProcessCheckLauncher::reap() {
  std::vector<std::pair<int, int>> ended;
  for (auto it = m_children.begin(); it != m_children.end();) {
    Child& child = *it->second;
    int status = 0;
    if (child.out.valid() || child.err.valid() ||
        ::waitpid(child.pid, &status, WNOHANG) != child.pid) {
      ++it;
      continue;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    ended.emplace_back(it->first, code);
    it = m_children.erase(it);
  }
  return ended;
}

// Signals the watcher waits for, read from a signalfd (blocked for the rest of the process;
// children start with a clean mask, exec/spawn.cpp).
UniqueFd block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) {
    sigaddset(&signals, signal);
  }
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  return UniqueFd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
}

void add_data_watches(DataWatches& inotify, const Watcher& watcher) {
  const auto& watched = watcher.watched();
  for (size_t index = 0; index < watched.size(); ++index) {
    const Pipeline& pipeline = watched[index].pipeline;
    auto watch = [&](const std::vector<LocatedString>& globs) {
      for (const auto& path : globs) {
        if (auto glob = Glob::parse(path.value); glob.ok()) {
          inotify.add(pipeline.workspace / glob->base(), glob->any_depth(), index);
        }
      }
    };
    for (const auto& data : pipeline.triggers.data)
      watch(data.paths);
    for (const auto& drift : pipeline.triggers.drift)
      watch(drift.current);
  }
}

void read_signals(int signal_fd, Watcher& watcher) {
  signalfd_siginfo info;
  while (::read(signal_fd, &info, sizeof info) == sizeof info) {
    if (info.ssi_signo != SIGCHLD) {  // children are reaped after their pipes close
      watcher.stop_requested(strsignal(static_cast<int>(info.ssi_signo)));
    }
  }
}

int poll_timeout(Steady::time_point wake) {
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Steady::now()).count();
  return static_cast<int>(std::clamp<int64_t>(wait, 0, 60000));
}

}  // namespace

void run_watch_loop(std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines,
                    const WatchOptions& options, const WallClock& clock, WatchEvents& events) {
  UniqueFd signal_fd = block_signals();
  ProcessCheckLauncher launcher(options, clock, events);
  Watcher watcher(std::move(pipelines), options, launcher, clock, events);
  DataWatches inotify;
  add_data_watches(inotify, watcher);
  events.log(
      fmt::format("[watch] looking every {}{}; stop with Ctrl-C or SIGTERM ({} running "
                  "runs)",
                  format_duration(options.interval),
                  inotify.available() ? ", and at once when data lands (inotify)"
                                      : " (inotify unavailable: polling)",
                  options.cancel_on_stop ? "cancelling" : "finishing"));
  while (!watcher.finished()) {
    Steady::time_point wake = watcher.look(Steady::now());
    std::vector<pollfd> fds = {{signal_fd.get(), POLLIN, 0}, {inotify.fd(), POLLIN, 0}};
    std::vector<int> owners;
    launcher.add_fds(fds, owners);
    ::poll(fds.data(), fds.size(), poll_timeout(wake));
    if (fds[0].revents & POLLIN) {
      read_signals(signal_fd.get(), watcher);
    }
    if (inotify.available() && (fds[1].revents & POLLIN)) {
      for (size_t owner : inotify.read_events()) {
        watcher.data_arrived(owner, Steady::now());
      }
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        launcher.relay(owners[i - 2], fds[i].fd);
      }
    }
    for (auto [id, code] : launcher.reap()) {
      watcher.check_ended(id, code, Steady::now());
    }
  }
  events.log("[watch] stopped");
}

}  // namespace mlops
