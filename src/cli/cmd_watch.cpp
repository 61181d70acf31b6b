// `mlops watch`: the trigger check in a loop. The watcher itself only evaluates (reads); when a
// pipeline's triggers call for action it starts `mlops trigger check PIPELINE` as a child, which
// takes the same locks and writes the same state as a check from cron, so a watcher and a
// crontab can even run side by side. Children's output is relayed with timestamps.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/data_watches.hpp"
#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "cli/wall_clock.hpp"
#include "exec/line_splitter.hpp"
#include "spec/trigger_parser.hpp"
#include "util/file_io.hpp"
#include "util/glob.hpp"
#include "util/strings.hpp"
#include "util/time_format.hpp"
#include "util/unique_fd.hpp"

extern char** environ;

namespace mlops {
namespace {

using SteadyClock = std::chrono::steady_clock;

void log_line(std::string_view text) {
  std::string stamp = format_utc_iso(wall_now()).substr(0, 19) + "Z";
  write_all(1, fmt::format("{} {}\n", stamp, text));
}

struct Child {
  pid_t pid = -1;
  UniqueFd output;
  LineSplitter lines;
};

struct Watched {
  std::filesystem::path file;
  Pipeline pipeline;
  std::vector<std::unique_ptr<Child>> children;
  SteadyClock::time_point next_check{};
  std::string last_error;
  std::string file_problems;  // the diagnostics of a broken edit, reported once
};

std::string kinds_of(const TriggerSpecs& triggers) {
  std::vector<std::string> kinds;
  if (!triggers.git.empty())
    kinds.push_back("git");
  if (!triggers.data.empty())
    kinds.push_back("data");
  if (!triggers.schedule.empty())
    kinds.push_back("schedule");
  if (!triggers.artifact.empty())
    kinds.push_back("artifact");
  return kinds.empty() ? "no triggers" : join(kinds, ", ");
}

// Starts `mlops trigger check FILE` with its output on a pipe, in its own process group so that
// a Ctrl-C reaches the watcher alone (which decides whether runs finish or stop).
std::unique_ptr<Child> spawn_check(const Watched& watched, const WatchCommand& command) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return nullptr;
  }
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  std::vector<std::string> args = {"mlops", "trigger", "check", watched.file.string(),
                                   "--from-watch"};
  if (command.store) {
    args.insert(args.end(), {"--store", command.store->string()});
  }
  if (command.jobs > 0) {
    args.insert(args.end(), {"-j", std::to_string(command.jobs)});
  }
  if (command.quiet) {
    args.push_back("-q");
  }
  // The child's clock goes on from the watcher's (which tests may have moved).
  std::vector<std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    if (!std::string_view(*entry).starts_with("MLOPS_TEST_NOW=")) {
      env.emplace_back(*entry);
    }
  }
  if (const char* hooks = std::getenv("MLOPS_ENABLE_TEST_HOOKS");
      hooks && std::strcmp(hooks, "1") == 0) {
    env.push_back("MLOPS_TEST_NOW=" + format_utc_iso(wall_now()));
  }
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& entry : env) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE}) {
    sigaddset(&defaults, signal);
  }
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int failed =
      ::posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) {
    log_line(fmt::format("[watch] cannot start a trigger check for {}: {}", watched.pipeline.name,
                         std::strerror(failed)));
    return nullptr;
  }
  auto child = std::make_unique<Child>();
  child->pid = pid;
  child->output = std::move(read_end);
  ::fcntl(child->output.get(), F_SETFL, O_NONBLOCK);
  return child;
}

// Relays what a child wrote; false at end of file.
bool relay(Child& child) {
  char buffer[8192];
  while (true) {
    ssize_t got = ::read(child.output.get(), buffer, sizeof buffer);
    if (got > 0) {
      child.lines.feed(std::string_view(buffer, static_cast<size_t>(got)),
                       [](std::string_view block) {
                         for (const auto& line : split(block.substr(0, block.size() - 1), '\n')) {
                           log_line(line);
                         }
                       });
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
      return true;
    }
    child.lines.finish([](std::string_view block) { log_line(block.substr(0, block.size() - 1)); });
    return false;
  }
}

// Whether `file` was modified within the last second.
bool written_just_now(const std::filesystem::path& file) {
  std::error_code error;
  auto modified = std::filesystem::last_write_time(file, error);
  if (error) {
    return false;
  }
  auto age = std::filesystem::file_time_type::clock::now() - modified;
  return age < std::chrono::seconds(1);
}

size_t max_children(const Pipeline& pipeline) {
  // A second check may skip (forbid) or cancel (replace) the running one; with queue the
  // watcher waits for the running check to end and looks again at once.
  return pipeline.concurrency == Concurrency::Queue ? 1 : 2;
}

}  // namespace

int watch_command(const WatchCommand& command) {
  bool had_errors = false;
  auto loaded = load_triggered_pipelines(command.pipelines, had_errors);
  if (!loaded || loaded->empty()) {
    return k_exit_invalid;
  }
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) {
    sigaddset(&signals, signal);
  }
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));

  std::vector<Watched> watched;
  DataWatches inotify;
  for (auto& [file, pipeline] : *loaded) {
    if (pipeline.triggers.empty()) {
      write_all(2, fmt::format("mlops: warning: {} has no triggers; not watching it (add a "
                               "'triggers:' block, docs/triggers.md)\n",
                               file.string()));
      continue;
    }
    size_t index = watched.size();
    for (const auto& data : pipeline.triggers.data) {
      for (const auto& path : data.paths) {
        if (auto glob = Glob::parse(path.value); glob.ok()) {
          inotify.add(pipeline.workspace / glob->base(), glob->any_depth(), index);
        }
      }
    }
    log_line(fmt::format("[watch] {} ({}): {}; concurrency {}", pipeline.name, file.string(),
                         kinds_of(pipeline.triggers), concurrency_name(pipeline.concurrency)));
    watched.push_back(Watched{file, std::move(pipeline), {}, {}, {}, {}});
  }
  if (watched.empty()) {
    write_all(2, "mlops: error: none of these pipelines has triggers; nothing to watch\n");
    return k_exit_invalid;
  }
  log_line(
      fmt::format("[watch] looking every {}{}; stop with Ctrl-C or SIGTERM ({} running "
                  "runs)",
                  format_duration(command.interval),
                  inotify.available() ? ", and at once when data lands (inotify)"
                                      : " (inotify unavailable: polling)",
                  command.cancel_on_stop ? "cancelling" : "finishing"));

  bool stopping = false;
  while (true) {
    auto now = SteadyClock::now();
    size_t running = 0;
    for (auto& entry : watched) {
      running += entry.children.size();
    }
    if (stopping && running == 0) {
      break;
    }
    if (!stopping) {
      for (auto& entry : watched) {
        if (now < entry.next_check) {
          continue;
        }
        entry.next_check = now + command.interval;
        // Pick up edits of the pipeline file. A broken edit is reported once, and the pipeline
        // is left alone until the file is fixed (a check would only fail on it).
        std::string problems;
        if (auto reloaded = load_checked_pipeline(entry.file, LoadOptions{}, &problems)) {
          if (!entry.file_problems.empty()) {
            log_line(fmt::format("[watch] {} is fixed; watching it again", entry.file.string()));
          }
          entry.pipeline = std::move(reloaded->pipeline);
          entry.file_problems.clear();
        } else if (written_just_now(entry.file)) {
          continue;  // perhaps an editor half-way through saving: judge it at the next look
        } else {
          if (problems != entry.file_problems) {
            log_line(fmt::format("[watch] {} has errors; not checking it until they are fixed:\n{}",
                                 entry.file.string(), problems));
          }
          entry.file_problems = problems;
          continue;
        }
        Peek peek = peek_pipeline_triggers(entry.pipeline, command.store);
        std::string error = join(peek.errors, "; ");
        if (!error.empty() && error != entry.last_error) {
          log_line(fmt::format("[watch] {}: {}", entry.pipeline.name, error));
        }
        entry.last_error = error;
        if (peek.wake_at) {
          auto until =
              std::chrono::duration_cast<SteadyClock::duration>(*peek.wake_at - wall_now());
          entry.next_check =
              std::min(entry.next_check, now + std::max(until, SteadyClock::duration(0)) +
                                             std::chrono::milliseconds(50));
        }
        if (peek.act && entry.children.size() < max_children(entry.pipeline)) {
          if (auto child = spawn_check(entry, command)) {
            entry.children.push_back(std::move(child));
          }
        }
      }
    }

    std::vector<pollfd> fds = {{signal_fd.get(), POLLIN, 0}};
    if (inotify.available()) {
      fds.push_back({inotify.fd(), POLLIN, 0});
    }
    std::vector<std::pair<Watched*, Child*>> owners;
    for (auto& entry : watched) {
      for (auto& child : entry.children) {
        if (child->output.valid()) {
          fds.push_back({child->output.get(), POLLIN, 0});
          owners.emplace_back(&entry, child.get());
        }
      }
    }
    auto wake = SteadyClock::time_point::max();
    for (const auto& entry : watched) {
      wake = std::min(wake, entry.next_check);
    }
    int timeout =
        stopping
            ? 1000
            : static_cast<int>(std::clamp<int64_t>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(wake - SteadyClock::now())
                      .count(),
                  0, 60000));
    ::poll(fds.data(), fds.size(), timeout);

    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      while (::read(signal_fd.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGCHLD) {
          continue;  // reaped below
        }
        bool cancel = command.cancel_on_stop || stopping;
        if (!stopping) {
          log_line(fmt::format("[watch] {} received; {}",
                               strsignal(static_cast<int>(info.ssi_signo)),
                               cancel ? "cancelling running checks and runs"
                                      : "letting running runs finish (signal again to cancel "
                                        "them)"));
        }
        stopping = true;
        if (cancel) {
          for (auto& entry : watched) {
            for (auto& child : entry.children) {
              ::kill(child->pid, SIGTERM);
            }
          }
        }
      }
    }
    if (inotify.available() && (fds[1].revents & POLLIN)) {
      for (size_t owner : inotify.read_events()) {
        watched[owner].next_check = SteadyClock::now();
      }
    }
    size_t first_child = inotify.available() ? 2 : 1;
    for (size_t i = first_child; i < fds.size(); ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        Child* child = owners[i - first_child].second;
        if (!relay(*child)) {
          child->output.reset();
        }
      }
    }
    // Reap the checks that ended (after relaying the rest of their output).
    for (auto& entry : watched) {
      for (auto it = entry.children.begin(); it != entry.children.end();) {
        int status = 0;
        if ((*it)->output.valid() || ::waitpid((*it)->pid, &status, WNOHANG) != (*it)->pid) {
          ++it;
          continue;
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (code != 0) {
          log_line(fmt::format("[watch] {}: trigger check ended with exit code {}",
                               entry.pipeline.name, code));
        }
        it = entry.children.erase(it);
        // Look again soon: events may have come meanwhile. (Not at once: a check that found
        // another one holding the pipeline would otherwise be started again and again.)
        entry.next_check = std::min(
            entry.next_check, SteadyClock::now() + std::min<SteadyClock::duration>(
                                                       command.interval, std::chrono::seconds(1)));
      }
    }
  }
  log_line("[watch] stopped");
  return k_exit_success;
}

}  // namespace mlops
