// The real Runner: stages as child processes, each in its own process group.
//
// One thread does everything, as in ninja's subprocess-posix: SIGCHLD, SIGINT, SIGTERM and SIGHUP
// are blocked and read from a signalfd, and a single ppoll() waits for output, signals and the
// next deadline (a timeout, a kill after the grace period, a drain limit). Nothing busy-waits.
//
// Ownership of process trees: each stage leads a new session (and so a new process group). A
// timeout or cancel sends SIGTERM (then SIGKILL after the grace period) to the whole group, so
// `sh -c "a | b"` and background grandchildren go too. When a stage's main process exits,
// whatever it left running is killed before its pid is reaped (the zombie keeps the session and
// group id from being reused): the members of its session and group, processes that escaped
// both with setsid (found by the tag in their environment, exec/process_table.hpp), and their
// descendants. mlops is a child subreaper, so orphans of stages re-parent to it rather than to
// init: they stay findable as its descendants, and it reaps them. When the runner is destroyed,
// every process any of its stages left is killed the same way.
//
// If mlops itself is killed (kill -9), the stages' main processes die with it (PR_SET_PDEATHSIG)
// and the next mlops kills the rest (app/workspace.cpp), named by the identities each start
// reported through OutputSink::on_started and by the tags.
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

  void kill_leftovers_of(Running& process);

  OutputSink& m_sink;
  ProcessRunnerOptions m_options;
  std::string m_tag_prefix;  // "<mlops pid>.<mlops start ticks>.": every stage's tag starts so
  size_t m_started = 0;      // the serial number in the next tag
  UniqueFd m_signal_fd;
  sigset_t m_old_mask{};
  std::list<std::unique_ptr<Running>> m_running;
  std::deque<ProcessResult> m_done;
  bool m_cancelling = false;
};

}  // namespace mlops
