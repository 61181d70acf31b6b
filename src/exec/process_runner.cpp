#include "exec/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "exec/process_table.hpp"
#include "exec/spawn.hpp"
#include "util/file_io.hpp"

namespace mlops {

struct ProcessRunner::Running {
  size_t token = 0;
  std::string label;
  pid_t pid = -1;
  uint64_t start_ticks = 0;
  std::string tag;  // in its MLOPS_PROCESS_TAGS (exec/process_table.hpp)
  UniqueFd out;
  UniqueFd err;
  std::filesystem::path log_path;
  UniqueFd log;  // opened on the first byte of output: most stages of big DAGs print nothing
  bool log_failed = false;
  LineSplitter out_lines;
  LineSplitter err_lines;
  std::deque<std::string> stderr_tail;
  SteadyTime started;
  std::optional<SteadyTime> timeout_at;
  std::optional<SteadyTime> kill_at;      // SIGKILL the group if still running then
  std::optional<SteadyTime> drain_until;  // stop reading output then
  bool exited = false;
  int wait_status = 0;
  bool timed_out = false;
  bool cancelled = false;
};

namespace {

constexpr int k_watched_signals[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};

int poll_timeout_ms(std::optional<SteadyTime> deadline, SteadyTime now) {
  if (!deadline) {
    return -1;
  }
  if (*deadline <= now) {
    return 0;
  }
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now).count();
  return static_cast<int>(std::min<long long>(ms, 24 * 3600 * 1000));
}

void earliest(std::optional<SteadyTime>& current, std::optional<SteadyTime> candidate) {
  if (candidate && (!current || *candidate < *current)) {
    current = candidate;
  }
}

std::string find_path_variable(const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& [key, value] : env) {
    if (key == "PATH") {
      return value;
    }
  }
  return "/usr/local/bin:/usr/bin:/bin";
}

// The environment with `tag` added to MLOPS_PROCESS_TAGS (kept: the tags of an mlops that runs
// this one as a stage, so that its stage's leftovers are found too).
std::vector<std::pair<std::string, std::string>> tagged_environment(
    std::vector<std::pair<std::string, std::string>> env, const std::string& tag) {
  for (auto& [key, value] : env) {
    if (key == k_process_tags_variable) {
      value = value.empty() ? tag : value + "," + tag;
      return env;
    }
  }
  env.emplace_back(std::string(k_process_tags_variable), tag);
  return env;
}

}  // namespace

ProcessRunner::ProcessRunner(OutputSink& sink, ProcessRunnerOptions options)
    : m_sink(sink), m_options(options) {
  sigset_t watched;
  sigemptyset(&watched);
  for (int sig : k_watched_signals) {
    sigaddset(&watched, sig);
  }
  ::sigprocmask(SIG_BLOCK, &watched, &m_old_mask);
  m_signal_fd.reset(::signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK));
  // Orphaned grandchildren of stages are re-parented to mlops, which kills and reaps them.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ProcessIdentity self = self_identity();
  m_tag_prefix = fmt::format("{}.{}.", self.pid, self.start_ticks);
}

ProcessRunner::~ProcessRunner() {
  for (auto& process : m_running) {
    if (!process->exited) {
      signal_group(*process, SIGKILL);
      int status = 0;
      ::waitpid(process->pid, &status, 0);
    }
  }
  // Everything any stage left: the tags of this runner (groups and sessions are gone with their
  // leaders, but their members carry the tags).
  kill_leftovers({{}, m_tag_prefix, TagMatch::Prefix}, LeftoverScope::Descendants);
  reap_orphans(std::chrono::steady_clock::now() + m_options.drain_limit);
  ::sigprocmask(SIG_SETMASK, &m_old_mask, nullptr);
}

void ProcessRunner::start(const ProcessRequest& request) {
  auto process = std::make_unique<Running>();
  process->token = request.token;
  process->label = request.label;
  process->started = std::chrono::steady_clock::now();

  process->log_path = request.log_path;
  auto fail = [&](std::string message) {
    ProcessResult result;
    result.token = request.token;
    result.outcome = ProcessOutcome::FailedToStart;
    result.exit_code = 127;
    result.message = std::move(message);
    log_note(*process, result.message);
    m_done.push_back(std::move(result));
  };

  std::error_code error;
  for (const auto& dir : request.create_dirs) {
    std::filesystem::create_directories(dir, error);
    if (error) {
      fail(fmt::format("cannot create directory {}: {}", dir.string(), error.message()));
      return;
    }
  }
  if (!std::filesystem::is_directory(request.workdir, error)) {
    fail(fmt::format("working directory {} does not exist", request.workdir.string()));
    return;
  }
  if (request.argv.empty()) {
    fail("empty command");
    return;
  }
  std::filesystem::path executable =
      find_executable(request.argv[0], find_path_variable(request.env), request.workdir);
  if (executable.empty()) {
    fail(fmt::format("command not found: {}", request.argv[0]));
    return;
  }
  process->tag = m_tag_prefix + std::to_string(m_started++);
  SpawnRequest spawn{executable,
                     {request.argv.begin() + 1, request.argv.end()},
                     tagged_environment(request.env, process->tag),
                     request.workdir};
  auto spawned = spawn_in_new_group(spawn);
  if (!spawned.ok()) {
    fail(spawned.error().message());
    return;
  }
  process->pid = spawned->pid;
  if (auto info = read_process_info(process->pid)) {
    process->start_ticks = info->start_ticks;
    m_sink.on_started(request.token, {process->pid, static_cast<int64_t>(info->start_ticks)});
  }
  process->out = std::move(spawned->stdout_fd);
  process->err = std::move(spawned->stderr_fd);
  if (request.timeout) {
    process->timeout_at = process->started + *request.timeout;
  }
  if (m_cancelling) {
    // Started after an interrupt (should not happen, but never leave one running).
    process->cancelled = true;
    signal_group(*process, SIGKILL);
  }
  m_running.push_back(std::move(process));
}

void ProcessRunner::signal_group(Running& process, int signal) {
  if (process.pid > 0) {
    ::kill(-process.pid, signal);
    if (signal == SIGTERM) {
      ::kill(-process.pid, SIGCONT);  // a stopped process cannot act on SIGTERM
    }
  }
}

int ProcessRunner::log_fd(Running& process) {
  if (!process.log.valid() && !process.log_failed) {
    process.log.reset(::open(process.log_path.c_str(),
                             O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
    if (!process.log.valid()) {
      process.log_failed = true;
      std::string warning = fmt::format("mlops: cannot write the log file {}: {}\n",
                                        process.log_path.string(), std::strerror(errno));
      m_sink.on_output(process.label, OutputStream::Stderr, warning);
    }
  }
  return process.log.get();
}

void ProcessRunner::log_note(Running& process, const std::string& note) {
  write_all(log_fd(process), "mlops: " + note + "\n");
}

void ProcessRunner::cancel_all() {
  bool force = m_cancelling;
  m_cancelling = true;
  SteadyTime now = std::chrono::steady_clock::now();
  for (auto& process : m_running) {
    if (process->exited) {
      continue;
    }
    process->cancelled = true;
    if (force) {
      signal_group(*process, SIGKILL);
    } else {
      signal_group(*process, SIGTERM);
      process->kill_at = now + m_options.kill_grace;
    }
  }
}

WaitResult ProcessRunner::wait(std::optional<SteadyTime> until) {
  WaitResult result;
  while (true) {
    SteadyTime now = std::chrono::steady_clock::now();
    handle_deadlines(now);
    collect_finished(now);
    if (!m_done.empty() || result.interrupt_signal != 0) {
      break;
    }
    if (m_running.empty() && !until) {
      break;
    }
    if (until && now >= *until) {
      break;
    }

    std::optional<SteadyTime> deadline = until;
    std::vector<pollfd> fds;
    std::vector<std::pair<Running*, OutputStream>> owners;
    fds.push_back({m_signal_fd.get(), POLLIN, 0});
    owners.push_back({nullptr, OutputStream::Stdout});
    for (auto& process : m_running) {
      earliest(deadline, process->exited ? std::nullopt : process->timeout_at);
      earliest(deadline, process->exited ? std::nullopt : process->kill_at);
      earliest(deadline, process->drain_until);
      if (process->out.valid()) {
        fds.push_back({process->out.get(), POLLIN, 0});
        owners.push_back({process.get(), OutputStream::Stdout});
      }
      if (process->err.valid()) {
        fds.push_back({process->err.get(), POLLIN, 0});
        owners.push_back({process.get(), OutputStream::Stderr});
      }
    }
    int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms(deadline, now));
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        read_output(*owners[i].first, owners[i].second);
      }
    }
    if (fds[0].revents != 0) {
      handle_signals(result);
    }
  }
  while (!m_done.empty()) {
    result.finished.push_back(std::move(m_done.front()));
    m_done.pop_front();
  }
  return result;
}

void ProcessRunner::handle_signals(WaitResult& result) {
  signalfd_siginfo info{};
  bool child_changed = false;
  while (::read(m_signal_fd.get(), &info, sizeof info) == sizeof info) {
    if (info.ssi_signo == SIGCHLD) {
      child_changed = true;
    } else {
      result.interrupt_signal = static_cast<int>(info.ssi_signo);
    }
  }
  if (child_changed) {
    reap_children();
  }
}

void ProcessRunner::reap_children() {
  // SIGCHLD coalesces: reap until nothing is left. WNOWAIT first lets us kill what a stage left in
  // its group while its zombie still holds the group id.
  while (true) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) {
      return;
    }
    pid_t pid = info.si_pid;
    auto it = std::find_if(m_running.begin(), m_running.end(),
                           [&](const auto& process) { return process->pid == pid; });
    if (it != m_running.end()) {
      kill_leftovers_of(**it);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (it != m_running.end()) {
      Running& process = **it;
      process.exited = true;
      process.wait_status = status;
      process.drain_until = std::chrono::steady_clock::now() + m_options.drain_limit;
    }
  }
}

void ProcessRunner::kill_leftovers_of(Running& process) {
  ::kill(-process.pid, SIGKILL);
  LeftoverSelector selector{{{process.pid, process.start_ticks}}, process.tag, TagMatch::Exact};
  if (process.start_ticks == 0) {
    selector.leaders.clear();  // its start time is unknown: its tag must do
  }
  kill_leftovers(selector, LeftoverScope::Descendants);
}

void ProcessRunner::reap_orphans(SteadyTime deadline) {
  // Processes a stage left were killed and, as mlops is a subreaper, are now mlops's children:
  // wait (briefly) until they are gone, so none is left as a zombie for init.
  while (true) {
    pid_t pid = ::waitpid(-1, nullptr, WNOHANG);
    if (pid > 0) {
      continue;
    }
    if (pid < 0 && errno == EINTR) {
      continue;
    }
    SteadyTime now = std::chrono::steady_clock::now();
    if (pid < 0 || now >= deadline) {
      return;  // no children left (ECHILD), or out of time
    }
    pollfd signal_poll{m_signal_fd.get(), POLLIN, 0};
    ::poll(&signal_poll, 1, poll_timeout_ms(deadline, now));
    signalfd_siginfo info{};
    while (::read(m_signal_fd.get(), &info, sizeof info) == sizeof info) {
    }
  }
}

void ProcessRunner::read_output(Running& process, OutputStream stream) {
  UniqueFd& fd = stream == OutputStream::Stdout ? process.out : process.err;
  LineSplitter& lines = stream == OutputStream::Stdout ? process.out_lines : process.err_lines;
  auto emit = [&](std::string_view block) {
    m_sink.on_output(process.label, stream, block);
    if (stream == OutputStream::Stderr) {
      size_t start = 0;
      while (start < block.size()) {
        size_t end = block.find('\n', start);
        std::string line(block.substr(start, std::min<size_t>(end - start, 500)));
        process.stderr_tail.push_back(std::move(line));
        if (process.stderr_tail.size() > m_options.stderr_tail_lines) {
          process.stderr_tail.pop_front();
        }
        start = end + 1;
      }
    }
  };
  char buffer[65536];
  // A bounded number of reads per wakeup keeps one chatty stage from starving the others.
  for (int round = 0; round < 16; ++round) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n > 0) {
      std::string_view chunk(buffer, static_cast<size_t>(n));
      write_all(log_fd(process), chunk);
      lines.feed(chunk, emit);
      continue;
    }
    if (n < 0 && (errno == EINTR)) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return;
    }
    // End of file, or an error that reading again will not fix.
    lines.finish(emit);
    fd.reset();
    return;
  }
}

void ProcessRunner::handle_deadlines(SteadyTime now) {
  for (auto& process : m_running) {
    if (!process->exited && process->timeout_at && now >= *process->timeout_at &&
        !process->timed_out && !process->cancelled) {
      process->timed_out = true;
      signal_group(*process, SIGTERM);
      process->kill_at = now + m_options.kill_grace;
      process->timeout_at.reset();
    }
    if (!process->exited && process->kill_at && now >= *process->kill_at) {
      signal_group(*process, SIGKILL);
      process->kill_at.reset();
    }
  }
}

void ProcessRunner::collect_finished(SteadyTime now) {
  for (auto it = m_running.begin(); it != m_running.end();) {
    Running& process = **it;
    bool drained = !process.out.valid() && !process.err.valid();
    if (!process.exited || (!drained && now < *process.drain_until)) {
      ++it;
      continue;
    }
    if (!drained) {
      // Something outside the stage's group (it called setsid) still holds the pipes open.
      auto flush = [&](std::string_view block) {
        m_sink.on_output(process.label, OutputStream::Stdout, block);
      };
      process.out_lines.finish(flush);
      process.err_lines.finish(flush);
      log_note(process,
               "stopped reading output: a process that left the stage's process group "
               "still holds it open");
    }
    ProcessResult result;
    result.token = process.token;
    result.duration = std::chrono::duration_cast<Milliseconds>(now - process.started);
    result.stderr_tail.assign(process.stderr_tail.begin(), process.stderr_tail.end());
    int status = process.wait_status;
    if (process.cancelled) {
      result.outcome = ProcessOutcome::Cancelled;
      result.message = "cancelled";
    } else if (process.timed_out) {
      result.outcome = ProcessOutcome::TimedOut;
      result.message = "timed out";
    } else if (WIFEXITED(status)) {
      result.outcome = ProcessOutcome::Exited;
      result.exit_code = WEXITSTATUS(status);
    } else {
      result.outcome = ProcessOutcome::Signaled;
      result.signal = WTERMSIG(status);
      result.message = fmt::format("killed by signal {} ({})", result.signal,
                                   sigabbrev_np(result.signal) ? sigabbrev_np(result.signal) : "?");
    }
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
    if (!result.message.empty() && result.outcome != ProcessOutcome::Exited) {
      log_note(process, result.message);
    }
    m_done.push_back(std::move(result));
    it = m_running.erase(it);
  }
}

}  // namespace mlops
