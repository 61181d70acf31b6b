// The seam between the generic cluster runner (exec/cluster_runner.hpp) and one batch scheduler.
//
// A backend knows one scheduler's commands and words: how to submit a job script, how to list
// the state of many jobs in one call, how to cancel many in one call, and where to look for a
// job the scheduler no longer lists. Everything else (job scripts, exit-code files, polling and
// its back-off, timeouts, cancel, mapping states to results) is the ClusterRunner's, so another
// scheduler (Kubernetes Jobs, PBS) is one new file implementing this interface.
//
// The Slurm backend is exec/slurm_backend.hpp; tests use a fake.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"
#include "util/job_resources.hpp"

namespace mlops {

// A job's state in words every backend maps its own to.
enum class JobState {
  Pending,      // queued, not started yet
  Running,      // started, or ending (Slurm's COMPLETING)
  Completed,    // ended with exit code 0, by the scheduler's account
  Failed,       // ended with a non-zero exit code
  TimedOut,     // killed at the scheduler's time limit
  Cancelled,    // cancelled (by mlops or by someone else)
  OutOfMemory,  // killed for using more memory than it asked for
  NodeFailed,   // lost to the machine: a node failure, a boot failure, preemption (retryable)
  OtherFailure  // ended in another way that is not success (deadline, revoked, ...)
};

bool is_final(JobState state);

struct JobStatus {
  JobState state = JobState::Pending;
  std::string raw;                 // the scheduler's own word ("OUT_OF_MEMORY")
  std::optional<int> exit_code;    // when the scheduler knows it
  std::optional<int> exit_signal;  // the signal that ended it, when it knows it
};

// One job to submit. The script is a complete /bin/sh script (exec/job_script.hpp) that writes
// the job's exit code to its exit-code file as its last act.
struct JobSubmission {
  std::string name;                  // the job's name in the scheduler ("mlops-<run>")
  std::filesystem::path script;      // absolute, on the shared filesystem
  std::filesystem::path log_path;    // stdout and stderr of the job
  std::filesystem::path workdir;     // absolute
  JobResources resources;            // what it asks for
  std::optional<Milliseconds> time;  // the wall-time limit to give the scheduler, if any
};

class ClusterBackend {
 public:
  virtual ~ClusterBackend() = default;

  // "slurm": the executor name pipelines use.
  virtual std::string name() const = 0;

  // Submits a job and returns its id. An error (its message says why, with the scheduler's own
  // words) when the scheduler refused it or could not be reached.
  virtual Result<std::string> submit(const JobSubmission& job) = 0;

  // The states of `ids`, in ONE call to the scheduler. Jobs it does not list (finished and
  // purged, or never known) are absent from the map. An error when the query itself failed
  // (the controller is down): the caller asks again later and decides nothing from it.
  virtual Result<std::map<std::string, JobStatus>> query(const std::vector<std::string>& ids) = 0;

  // Cancels `ids` in ONE call. Jobs that already ended are not an error.
  virtual Status cancel(const std::vector<std::string>& ids) = 0;

  // The final state of a job the scheduler no longer lists, from its completion log; nothing
  // when there is no record of it (yet). An error when the log could not be read.
  virtual Result<std::optional<JobStatus>> lookup_finished(const std::string& id) = 0;
};

}  // namespace mlops
