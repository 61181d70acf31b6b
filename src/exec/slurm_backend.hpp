// The Slurm backend of the cluster runner (exec/cluster_backend.hpp): sbatch, squeue, scancel
// and sacct run as subprocesses (exec/command.hpp), arguments as argv.
//
//   submit   sbatch --parsable --job-name=NAME --output=LOG --error=LOG --chdir=DIR
//                   --export=NONE --no-requeue [--cpus-per-task=N] [--mem=NM] [--gres=gpu:N]
//                   [--time=MINUTES] [--signal=B:TERM@60] [--partition=P] [EXTRA...] SCRIPT
//            (the job id is the first ';'-separated field of sbatch's output, checked to be
//            digits: some sites print more)
//   query    squeue --noheader --states=all --jobs=ID,ID,... --format=%i|%T   (ONE call; an
//            id squeue no longer knows is just absent; "Invalid job id" with a single such id
//            is no error)
//   cancel   scancel ID ID ...                                                 (ONE call)
//   lookup   sacct --completion --noheader --parsable2 --jobs=ID
//                  --format=JobID,State,ExitCode   (the job-completion log, jobcomp/filetxt:
//            works without the accounting daemon; then sacct's accounting, for clusters that
//            have slurmdbd and no jobcomp)
// The client programs find the cluster as usual (SLURM_CONF, /etc/slurm/slurm.conf).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exec/cluster_backend.hpp"

namespace mlops {

// Slurm's state words (squeue %T, sacct State) → JobState. Unknown words count as Running
// while the job is listed: they are Slurm's transitional states (CONFIGURING, RESIZING, ...).
JobState slurm_job_state(std::string_view word);

// The parsers, for the unit tests.
Result<std::string> parse_sbatch_output(std::string_view out);
std::map<std::string, JobStatus> parse_squeue_output(std::string_view out);
std::optional<JobStatus> parse_sacct_output(std::string_view out, std::string_view id);

// The sbatch command line for `job`.
std::vector<std::string> sbatch_arguments(const JobSubmission& job);

class SlurmBackend final : public ClusterBackend {
 public:
  // `env`: the environment of the client programs (mlops's own).
  explicit SlurmBackend(std::vector<std::pair<std::string, std::string>> env);

  std::string name() const override { return "slurm"; }
  Result<std::string> submit(const JobSubmission& job) override;
  Result<std::map<std::string, JobStatus>> query(const std::vector<std::string>& ids) override;
  Status cancel(const std::vector<std::string>& ids) override;
  Result<std::optional<JobStatus>> lookup_finished(const std::string& id) override;

 private:
  std::vector<std::pair<std::string, std::string>> m_env;
};

}  // namespace mlops
