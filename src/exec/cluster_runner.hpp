// A Runner whose processes are jobs on a batch cluster, through a ClusterBackend
// (exec/cluster_backend.hpp): the tracking every scheduler shares.
//
// start() writes the stage's job script (exec/job_script.hpp) into the run's script directory
// (on the shared filesystem), submits it, and deletes it again: the scheduler keeps its own copy,
// and the script holds the stage's environment. The job's output goes to the request's log path.
//
// How it learns that a job ended:
//   - the exit-code file the script writes as its last act, looked at (one stat per active job)
//     every `file_check` — a chain of quick jobs does not wait for a queue poll per stage;
//   - ONE backend query for all active jobs every poll interval: `poll` at first, doubling up to
//     `max_poll` while nothing changes, back to `poll` when something does. It catches jobs that
//     ended without writing the file (cancelled, timed out, out of memory, a node failure);
//   - a job the scheduler no longer lists is looked up in its completion log.
// A job counts as succeeded ONLY when its exit-code file says 0: a scheduler's COMPLETED without
// the file (a workspace the node does not share, a file someone removed) and a job nobody has a
// record of fail after `evidence_grace` of further looks (one a poll), with a message saying
// what is missing.
//
// Timeouts: the request's timeout is enforced here, counted from when a queue poll first sees
// the job running (the job is cancelled when it passes; the result is TimedOut), and also given
// to the scheduler as its time limit (exec/slurm_backend.hpp) so that a job outlives a killed
// mlops by a bounded time only.
//
// cancel_all() cancels every active job in ONE backend call, then waits (polling the queue
// every `file_check`) until the scheduler lists each as ended or no longer lists it, at most
// `cancel_confirm`; each is reported as Cancelled. The runner handles no signals: the
// CompositeRunner (exec/composite_runner.hpp) sleeps in the local runner, which does.
#pragma once

#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "exec/cluster_backend.hpp"
#include "exec/runner.hpp"
#include "util/clock.hpp"

namespace mlops {

struct ClusterRunnerOptions {
  std::filesystem::path script_dir;   // absolute, shared with the compute nodes
  std::string job_name = "mlops";     // every job of the run gets this name
  Milliseconds poll{5000};            // the first queue poll interval
  Milliseconds max_poll{60000};       // its ceiling while nothing changes
  Milliseconds file_check{150};       // how often the exit-code files are looked at
  Milliseconds cancel_confirm{5000};  // how long cancel_all() waits for the queue to agree
  // How long to keep looking for the exit-code file of a job the scheduler says has ended (or no
  // longer lists) before failing it: a shared filesystem may show a new file late.
  Milliseconds evidence_grace{60000};
  size_t log_tail_lines = 20;  // lines of a failed job's log put in its stderr tail
};

// The queue poll interval from the environment: MLOPS_SLURM_POLL in seconds ("0.2"), else
// `fallback`. Tests use it to make polling quick.
Milliseconds poll_interval_from_env(const char* value, Milliseconds fallback);

class ClusterRunner final : public Runner {
 public:
  // `sleep` waits until a time (tests pass one that advances a FakeClock).
  ClusterRunner(ClusterBackend& backend, OutputSink& sink, const Clock& clock,
                ClusterRunnerOptions options, std::function<void(SteadyTime)> sleep = {});
  ~ClusterRunner() override;
  ClusterRunner(const ClusterRunner&) = delete;
  ClusterRunner& operator=(const ClusterRunner&) = delete;

  void start(const ProcessRequest& request) override;
  // Waits as any Runner does; with `until` at or before now it only looks (no sleep).
  WaitResult wait(std::optional<SteadyTime> until) override;
  void cancel_all() override;
  size_t active() const override { return m_jobs.size() + m_done.size(); }

  // When this runner next needs to look at something (nothing when no job is active); the
  // CompositeRunner sleeps until then.
  std::optional<SteadyTime> next_check() const;

  const ClusterBackend& backend() const { return m_backend; }

 private:
  struct Job;

  void check(SteadyTime now);
  void check_exit_files(SteadyTime now);
  void enforce_timeouts(SteadyTime now);
  void poll_queue(SteadyTime now);
  bool judge_final(Job& job, const JobStatus& status);
  void judge_vanished(Job& job);
  void judge_without_evidence(Job& job, const std::string& why);
  void finish(Job& job, ProcessResult result, const std::string& how);
  void finish_cancelled(Job& job);
  void fail_start(const ProcessRequest& request, std::string message);
  void collect_finished();

  ClusterBackend& m_backend;
  OutputSink& m_sink;
  const Clock& m_clock;
  ClusterRunnerOptions m_options;
  std::function<void(SteadyTime)> m_sleep;
  std::list<std::unique_ptr<Job>> m_jobs;
  std::vector<ProcessResult> m_done;
  Milliseconds m_interval;
  SteadyTime m_next_poll{};
  SteadyTime m_next_file_check{};
  bool m_changed = false;  // something happened since the last queue poll
  bool m_cancelling = false;
  // A signal that stopped a submission (taken from the pending set, reported by the next wait).
  int m_interrupt_signal = 0;
  std::optional<SteadyTime> m_cancel_until;  // cancel_all()'s wait for the queue ends then
};

}  // namespace mlops
