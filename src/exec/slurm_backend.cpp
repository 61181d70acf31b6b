#include "exec/slurm_backend.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "exec/command.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

constexpr Milliseconds k_command_limit{60000};
constexpr Milliseconds k_interrupted_scancel_limit{5000};

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

std::string first_line(std::string_view text) {
  std::string line(trim(text.substr(0, text.find('\n'))));
  return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

Error command_error(std::string_view program, const CommandOutput& output) {
  std::string why = first_line(output.err.empty() ? output.out : output.err);
  return Error(ErrorKind::Io, fmt::format("{} exited with {}{}", program, output.exit_code,
                                          why.empty() ? "" : ": " + why));
}

// "3:0" → exit code 3, signal 0.
void parse_exit_pair(std::string_view text, JobStatus& status) {
  size_t colon = text.find(':');
  std::string_view code = text.substr(0, colon);
  std::string_view signal = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (all_digits(code)) {
    status.exit_code = std::stoi(std::string(code));
  }
  if (all_digits(signal)) {
    status.exit_signal = std::stoi(std::string(signal));
  }
}

}  // namespace

JobState slurm_job_state(std::string_view word) {
  // sacct prints "CANCELLED by 0".
  word = word.substr(0, word.find(' '));
  static const std::pair<std::string_view, JobState> k_states[] = {
      {"PENDING", JobState::Pending},       {"REQUEUED", JobState::Pending},
      {"REQUEUE_HOLD", JobState::Pending},  {"REQUEUE_FED", JobState::Pending},
      {"RESV_DEL_HOLD", JobState::Pending}, {"COMPLETED", JobState::Completed},
      {"FAILED", JobState::Failed},         {"TIMEOUT", JobState::TimedOut},
      {"CANCELLED", JobState::Cancelled},   {"OUT_OF_MEMORY", JobState::OutOfMemory},
      {"NODE_FAIL", JobState::NodeFailed},  {"BOOT_FAIL", JobState::NodeFailed},
      {"PREEMPTED", JobState::NodeFailed},  {"DEADLINE", JobState::OtherFailure},
      {"REVOKED", JobState::OtherFailure},  {"SPECIAL_EXIT", JobState::OtherFailure},
  };
  for (const auto& [name, state] : k_states) {
    if (word == name) {
      return state;
    }
  }
  return JobState::Running;  // RUNNING, COMPLETING, CONFIGURING, SUSPENDED, STAGE_OUT, ...
}

Result<std::string> parse_sbatch_output(std::string_view out) {
  std::string line = first_line(out);
  std::string id = line.substr(0, line.find(';'));
  if (!all_digits(id)) {
    return Error(ErrorKind::Io, fmt::format("unexpected output of sbatch --parsable: '{}'", line));
  }
  return id;
}

std::map<std::string, JobStatus> parse_squeue_output(std::string_view out) {
  std::map<std::string, JobStatus> states;
  for (const auto& line : split(out, '\n')) {
    auto fields = split(trim(line), '|');
    if (fields.size() < 2 || !all_digits(fields[0])) {
      continue;  // array tasks ("12_3") are not submitted by mlops
    }
    JobStatus status;
    status.raw = std::string(trim(fields[1]));
    status.state = slurm_job_state(status.raw);
    states[std::string(fields[0])] = status;
  }
  return states;
}

std::optional<JobStatus> parse_sacct_output(std::string_view out, std::string_view id) {
  std::optional<JobStatus> found;
  for (const auto& line : split(out, '\n')) {
    auto fields = split(trim(line), '|');
    // The job's own line, not its steps' ("12.batch"); the last record wins (a requeued job).
    if (fields.size() < 3 || fields[0] != id) {
      continue;
    }
    JobStatus status;
    status.raw = std::string(trim(fields[1]));
    status.state = slurm_job_state(status.raw);
    parse_exit_pair(trim(fields[2]), status);
    found = status;
  }
  return found;
}

std::vector<std::string> sbatch_arguments(const JobSubmission& job) {
  std::vector<std::string> args = {"sbatch",
                                   "--parsable",
                                   "--job-name=" + job.name,
                                   "--output=" + job.log_path.string(),
                                   "--error=" + job.log_path.string(),
                                   "--chdir=" + job.workdir.string(),
                                   "--export=NONE",
                                   "--no-requeue"};
  const JobResources& r = job.resources;
  if (r.cpus) {
    args.push_back(fmt::format("--cpus-per-task={}", *r.cpus));
  }
  if (r.mem_mib) {
    args.push_back(fmt::format("--mem={}M", *r.mem_mib));
  }
  if (r.gpus && *r.gpus > 0) {
    args.push_back(fmt::format("--gres=gpu:{}", *r.gpus));
  }
  if (job.time) {
    // Slurm counts in whole minutes; round up. The grace signal reaches the batch shell (which
    // forwards it to the stage) about a minute before the limit.
    int64_t minutes = std::max<int64_t>(1, (job.time->count() + 59999) / 60000);
    args.push_back(fmt::format("--time={}", minutes));
    args.push_back("--signal=B:TERM@60");
  }
  if (!r.partition.empty()) {
    args.push_back("--partition=" + r.partition);
  }
  args.insert(args.end(), r.extra.begin(), r.extra.end());
  args.push_back(job.script.string());
  return args;
}

SlurmBackend::SlurmBackend(std::vector<std::pair<std::string, std::string>> env)
    : m_env(std::move(env)) {}

Result<std::string> SlurmBackend::submit(const JobSubmission& job) {
  auto output = run_command(sbatch_arguments(job), m_env, k_command_limit, true);
  if (!output.ok()) {
    if (interrupt_pending()) {
      // sbatch may have handed the job over before it was stopped: its id is lost, so cancel
      // the run's jobs by name (the run is being cancelled anyway).
      (void)run_command({"scancel", "--name=" + job.name}, m_env, k_interrupted_scancel_limit);
    }
    return output.error();
  }
  if (output->exit_code != 0) {
    return command_error("sbatch", *output);
  }
  return parse_sbatch_output(output->out);
}

Result<std::map<std::string, JobStatus>> SlurmBackend::query(const std::vector<std::string>& ids) {
  if (ids.empty()) {
    return std::map<std::string, JobStatus>{};
  }
  auto output = run_command(
      {"squeue", "--noheader", "--states=all", "--jobs=" + join(ids, ","), "--format=%i|%T"}, m_env,
      k_command_limit, true);
  if (!output.ok()) {
    return output.error();
  }
  if (output->exit_code != 0) {
    // With one id (or only ids) it no longer knows, squeue exits 1 "Invalid job id specified";
    // with several ids it lists those it knows and exits 0 (checked on Slurm 22.05).
    if (output->err.find("Invalid job id") != std::string::npos) {
      return parse_squeue_output(output->out);
    }
    return command_error("squeue", *output);
  }
  return parse_squeue_output(output->out);
}

Status SlurmBackend::cancel(const std::vector<std::string>& ids) {
  if (ids.empty()) {
    return Status::success();
  }
  std::vector<std::string> args = {"scancel"};
  args.insert(args.end(), ids.begin(), ids.end());
  auto output = run_command(args, m_env, k_command_limit);
  if (!output.ok()) {
    return output.error();
  }
  // scancel exits non-zero when some job already ended: that is what we wanted.
  if (output->exit_code != 0 && output->err.find("Invalid job id") == std::string::npos &&
      output->err.find("already completing or completed") == std::string::npos) {
    return command_error("scancel", *output);
  }
  return Status::success();
}

Result<std::optional<JobStatus>> SlurmBackend::lookup_finished(const std::string& id) {
  std::optional<Error> failure;
  for (const char* source : {"--completion", "--allocations"}) {
    auto output = run_command({"sacct", source, "--noheader", "--parsable2", "--jobs=" + id,
                               "--format=JobID,State,ExitCode"},
                              m_env, k_command_limit, true);
    if (!output.ok()) {
      failure = output.error();
      continue;
    }
    if (output->exit_code != 0) {
      failure = command_error("sacct", *output);
      continue;
    }
    if (auto status = parse_sacct_output(output->out, id)) {
      return status;
    }
  }
  if (failure) {
    return *failure;
  }
  return std::optional<JobStatus>{};
}

}  // namespace mlops
