// The real Runner: stages as child processes, each in its own process group.
//
// One thread does everything, as in ninja's subprocess-posix: SIGCHLD, SIGINT, SIGTERM and SIGHUP
// are blocked and read from a signalfd, and a single ppoll() waits for output, signals and the
// next deadline (a timeout, a kill after the grace period, a drain limit). Nothing busy-waits.
//
// Ownership of process trees: each stage leads a new process group. A timeout or cancel sends
// SIGTERM (then SIGKILL after the grace period) to the whole group, so `sh -c "a | b"` and
// background grandchildren go too. When a stage's main process exits, whatever it left running in
// its group is killed before its pid is reaped (the zombie keeps the group id from being reused).
// mlops is also a child subreaper, so orphans that left the group are reaped rather than
// becoming zombies. Stages die with mlops (PR_SET_PDEATHSIG) if mlops itself is killed.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "exec/line_splitter.hpp"
#include "exec/runner.hpp"
#include "util/unique_fd.hpp"

namespace mlops {

struct ProcessRunnerOptions {
  Milliseconds kill_grace{5000};   // SIGTERM, then this long, then SIGKILL
  Milliseconds drain_limit{2000};  // how long to read output after the group is gone
  size_t stderr_tail_lines = 20;
};

class ProcessRunner final : public Runner {
 public:
  // Blocks the signals it reads through its signalfd; the destructor kills anything still
  // running and restores the signal mask. One ProcessRunner per process at a time.
  ProcessRunner(OutputSink& sink, ProcessRunnerOptions options);
  ~ProcessRunner() override;
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  void start(const ProcessRequest& request) override;
  WaitResult wait(std::optional<SteadyTime> until) override;
  void cancel_all() override;
  size_t active() const override { return m_running.size() + m_done.size(); }

 private:
  struct Running;

  void handle_signals(WaitResult& result);
  void reap_children();
  void reap_orphans(SteadyTime deadline);
  void read_output(Running& process, OutputStream stream);
  void handle_deadlines(SteadyTime now);
  void collect_finished(SteadyTime now);
  void signal_group(Running& process, int signal);
  int log_fd(Running& process);
  void log_note(Running& process, const std::string& note);

  OutputSink& m_sink;
  ProcessRunnerOptions m_options;
  UniqueFd m_signal_fd;
  sigset_t m_old_mask{};
  std::list<std::unique_ptr<Running>> m_running;
  std::deque<ProcessResult> m_done;
  bool m_cancelling = false;
};

}  // namespace mlops
