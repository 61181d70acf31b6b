// The seam between the scheduler and the operating system.
//
// The engine hands a Runner one ProcessRequest per stage attempt and then waits for results. The
// real ProcessRunner spawns each request in its own process group and owns its whole process
// tree; FakeRunner (tests) finishes processes when told to; DryRunRunner finishes each one at
// once without running anything. The engine never signals a pid, reads a pipe or handles a
// signal; it is told each started process's identity only to record it (OutputSink::on_started),
// so that a later mlops can find what a killed one left running.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/clock.hpp"
#include "util/duration.hpp"
#include "util/job_resources.hpp"

namespace mlops {

enum class OutputStream { Stdout, Stderr };

// The process a request started: its pid (which leads its own session and process group) and
// its start time in clock ticks after boot, which together name it even after the pid is reused.
struct StartedProcess {
  int64_t pid = 0;
  int64_t start_ticks = 0;
};

// Receives a process's output as whole lines, and which process a request started. Called on
// the runner's thread.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // `lines` holds one or more complete lines, each ending in '\n'.
  virtual void on_output(std::string_view label, OutputStream stream, std::string_view lines) = 0;
  // The request with `token` is running as `process` (not called for a runner that starts no
  // process, nor for a request that failed to start).
  virtual void on_started(size_t /*token*/, const StartedProcess& /*process*/) {}
};

struct ProcessRequest {
  size_t token = 0;   // the caller's name for this process, echoed in its result
  std::string label;  // prefixes its output lines ("train[model=a]")
  // argv[0] is a program name (looked up in the PATH of `env`) or a path (relative to `workdir`).
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;  // the complete environment
  std::filesystem::path workdir;                         // absolute
  std::filesystem::path log_path;                        // stdout and stderr, interleaved
  std::vector<std::filesystem::path> create_dirs;  // made before the start (parents of outputs)
  std::optional<Milliseconds> timeout;
  // Where to run it: "" or "local" here, else a cluster executor ("slurm") that CompositeRunner
  // hands it to, with what it asks of the cluster (ignored by local runners).
  std::string executor;
  JobResources resources;
};

enum class ProcessOutcome {
  Exited,          // exit_code is set
  Signaled,        // killed by `signal`, not by us
  TimedOut,        // killed by the runner when its timeout passed
  Cancelled,       // killed by the runner on cancel_all()
  FailedToStart,   // `message` says why (command not found, workdir missing, ...)
  MissingOutputs,  // exited 0 without writing a declared output; `message` names it (engine)
};

struct ProcessResult {
  size_t token = 0;
  ProcessOutcome outcome = ProcessOutcome::Exited;
  int exit_code = 0;
  int signal = 0;
  std::string message;
  std::vector<std::string> stderr_tail;  // the last lines written to stderr
  Milliseconds duration{0};

  bool succeeded() const { return outcome == ProcessOutcome::Exited && exit_code == 0; }
};

struct WaitResult {
  std::vector<ProcessResult> finished;
  int interrupt_signal = 0;  // SIGINT, SIGTERM or SIGHUP received by mlops, else 0
};

class Runner {
 public:
  virtual ~Runner() = default;

  // Starts a process. Never fails here: a process that cannot start is reported by the next
  // wait() as FailedToStart, so every request yields exactly one result.
  virtual void start(const ProcessRequest& request) = 0;

  // Blocks until at least one process finishes, an interrupt signal arrives, or `until` passes
  // (forever when empty and something is running). Returns at once when nothing is running and
  // no result is pending.
  virtual WaitResult wait(std::optional<SteadyTime> until) = 0;

  // Stops every running process: SIGTERM to its group, SIGKILL after a grace period. A second
  // call kills at once. Their results come from wait() as Cancelled.
  virtual void cancel_all() = 0;

  // Processes started whose results wait() has not returned yet.
  virtual size_t active() const = 0;
};

}  // namespace mlops
