#include "exec/cluster_runner.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "exec/command.hpp"
#include "exec/job_script.hpp"
#include "util/file_io.hpp"

namespace mlops {

struct ClusterRunner::Job {
  size_t token = 0;
  std::string label;
  std::string id;
  std::filesystem::path exit_file;
  std::filesystem::path log_path;
  SteadyTime started;
  std::optional<Milliseconds> timeout;
  // When the timeout passes: counted from when a poll first saw the job running, not from its
  // submission (time in the queue is not the stage's).
  std::optional<SteadyTime> timeout_at;
  bool cancelled = false;  // by cancel_all()
  bool timed_out = false;  // cancelled here because its timeout passed
  // A cancelled job is reported then, whatever the queue says.
  std::optional<SteadyTime> give_up_at;
  // Ended or vanished without evidence of how: looked at until then, then failed.
  std::optional<SteadyTime> evidence_until;
  std::optional<JobState> last_state;
  bool done = false;
};

namespace {

bool is_final_state(JobState state) {
  return state != JobState::Pending && state != JobState::Running;
}

// The last `count` lines of a job's log (its stdout and stderr), for a failed stage's report.
std::vector<std::string> log_tail(const std::filesystem::path& path, size_t count) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {};
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - 16384);
  in.seekg(from);
  std::deque<std::string> lines;
  std::string line;
  bool first = from > 0;  // a partial first line is dropped
  while (std::getline(in, line)) {
    if (first) {
      first = false;
      continue;
    }
    lines.push_back(line.substr(0, 500));
    if (lines.size() > count) {
      lines.pop_front();
    }
  }
  return {lines.begin(), lines.end()};
}

// A new file only its owner can read: the job script holds the stage's environment.
Status write_private_file(const std::filesystem::path& path, std::string_view data) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0700);
  if (fd < 0) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  }
  bool ok = write_all(fd, data);
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    return Error(ErrorKind::Io, fmt::format("cannot write {}", path.string()));
  }
  return Status::success();
}

void append_note(const std::filesystem::path& log_path, const std::string& note) {
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0) {
    write_all(fd, "mlops: " + note + "\n");
    ::close(fd);
  }
}

// The scheduler's time limit for a job: the stage's own `time`, else its timeout with a minute
// to spare (mlops cancels it at the timeout; the limit only bounds a job mlops can no longer
// cancel because it was killed).
std::optional<Milliseconds> scheduler_time(const ProcessRequest& request) {
  if (request.resources.time) {
    return request.resources.time;
  }
  if (request.timeout) {
    return *request.timeout + Milliseconds(60000);
  }
  return std::nullopt;
}

}  // namespace

bool is_final(JobState state) {
  return is_final_state(state);
}

Milliseconds poll_interval_from_env(const char* value, Milliseconds fallback) {
  if (!value || !*value) {
    return fallback;
  }
  char* end = nullptr;
  double seconds = std::strtod(value, &end);
  if (end == value || *end != '\0' || !std::isfinite(seconds) || seconds < 0.01 || seconds > 3600) {
    return fallback;
  }
  return Milliseconds(static_cast<int64_t>(seconds * 1000));
}

ClusterRunner::ClusterRunner(ClusterBackend& backend, OutputSink& sink, const Clock& clock,
                             ClusterRunnerOptions options, std::function<void(SteadyTime)> sleep)
    : m_backend(backend),
      m_sink(sink),
      m_clock(clock),
      m_options(std::move(options)),
      m_sleep(std::move(sleep)),
      m_interval(m_options.poll) {
  if (!m_sleep) {
    m_sleep = [](SteadyTime until) { std::this_thread::sleep_until(until); };
  }
  m_options.max_poll = std::max(m_options.max_poll, m_options.poll);
}

ClusterRunner::~ClusterRunner() {
  // A runner destroyed with jobs still queued or running (an error unwound the run): they must
  // not run on unobserved.
  std::vector<std::string> ids;
  for (const auto& job : m_jobs) {
    if (!job->done) {
      ids.push_back(job->id);
    }
  }
  if (!ids.empty()) {
    (void)m_backend.cancel(ids);
  }
}

void ClusterRunner::fail_start(const ProcessRequest& request, std::string message) {
  ProcessResult result;
  result.token = request.token;
  result.outcome = ProcessOutcome::FailedToStart;
  result.exit_code = 127;
  result.message = std::move(message);
  append_note(request.log_path, result.message);
  m_done.push_back(std::move(result));
}

void ClusterRunner::start(const ProcessRequest& request) {
  if (m_cancelling || m_interrupt_signal != 0) {
    ProcessResult result;
    result.token = request.token;
    result.outcome = ProcessOutcome::Cancelled;
    result.message = "cancelled";
    m_done.push_back(std::move(result));
    return;
  }
  std::error_code error;
  for (const auto& dir : request.create_dirs) {
    std::filesystem::create_directories(dir, error);
    if (error) {
      fail_start(request,
                 fmt::format("cannot create directory {}: {}", dir.string(), error.message()));
      return;
    }
  }
  if (!std::filesystem::is_directory(request.workdir, error)) {
    fail_start(request,
               fmt::format("working directory {} does not exist", request.workdir.string()));
    return;
  }
  std::string stem = request.log_path.stem().string();
  auto job = std::make_unique<Job>();
  job->token = request.token;
  job->label = request.label;
  job->log_path = request.log_path;
  job->exit_file = m_options.script_dir / (stem + ".exit");
  auto script = job_script(request, job->exit_file);
  if (!script.ok()) {
    fail_start(request, script.error().message());
    return;
  }
  std::filesystem::path script_path = m_options.script_dir / (stem + ".sh");
  std::filesystem::create_directories(m_options.script_dir, error);
  std::filesystem::remove(job->exit_file, error);
  Status written = write_private_file(script_path, *script);
  if (!written.ok()) {
    fail_start(request, "cannot write the job script: " + written.error().message());
    return;
  }
  JobSubmission submission{m_options.job_name, script_path,       request.log_path,
                           request.workdir,    request.resources, scheduler_time(request)};
  auto id = m_backend.submit(submission);
  std::filesystem::remove(script_path, error);
  if (!id.ok() && (m_interrupt_signal = take_pending_interrupt()) != 0) {
    // Ctrl-C while the scheduler's client waited: the stage is cancelled, not failed, and the
    // next wait reports the interrupt (the signal is no longer pending for the local runner).
    ProcessResult result;
    result.token = request.token;
    result.outcome = ProcessOutcome::Cancelled;
    result.message = "cancelled before its job was submitted";
    m_done.push_back(std::move(result));
    return;
  }
  if (!id.ok()) {
    fail_start(request, fmt::format("cannot submit the job to {}: {}", m_backend.name(),
                                    id.error().message()));
    return;
  }
  job->id = *id;
  job->started = m_clock.now();
  job->timeout = request.timeout;
  // Beside the exit-code file: which job this stage is, for whoever looks after a crash.
  (void)write_file_atomic(m_options.script_dir / (stem + ".jobid"), job->id + "\n");
  m_jobs.push_back(std::move(job));
  m_changed = true;
  m_interval = m_options.poll;
  SteadyTime now = m_clock.now();
  if (m_jobs.size() == 1) {
    m_next_poll = now + m_options.poll;
    m_next_file_check = now + m_options.file_check;
  } else {
    m_next_poll = std::min(m_next_poll, now + m_options.poll);
  }
}

std::optional<SteadyTime> ClusterRunner::next_check() const {
  if (m_jobs.empty()) {
    return m_done.empty() ? std::nullopt : std::optional(m_clock.now());
  }
  std::optional<SteadyTime> next = std::min(m_next_poll, m_next_file_check);
  for (const auto& job : m_jobs) {
    if (job->timeout_at && !job->cancelled && !job->timed_out && *job->timeout_at < *next) {
      next = job->timeout_at;
    }
  }
  return next;
}

WaitResult ClusterRunner::wait(std::optional<SteadyTime> until) {
  WaitResult result;
  while (true) {
    SteadyTime now = m_clock.now();
    check(now);
    if (!m_done.empty() || (m_jobs.empty() && !until) || (until && now >= *until)) {
      break;
    }
    std::optional<SteadyTime> next = next_check();
    if (until && (!next || *until < *next)) {
      next = until;
    }
    m_sleep(*next);
  }
  result.finished = std::move(m_done);
  m_done.clear();
  result.interrupt_signal = std::exchange(m_interrupt_signal, 0);
  return result;
}

void ClusterRunner::check(SteadyTime now) {
  if (m_jobs.empty()) {
    return;
  }
  if (now >= m_next_file_check) {
    check_exit_files(now);
    m_next_file_check = now + m_options.file_check;
  }
  enforce_timeouts(now);
  if (now >= m_next_poll && !m_jobs.empty()) {
    poll_queue(now);
  }
  collect_finished();
}

void ClusterRunner::check_exit_files(SteadyTime now) {
  for (auto& job : m_jobs) {
    if (job->done) {
      continue;
    }
    if (auto code = read_exit_file(job->exit_file)) {
      ProcessResult result;
      result.outcome = ProcessOutcome::Exited;
      result.exit_code = *code;
      if (job->timed_out) {
        result.outcome = ProcessOutcome::TimedOut;
        result.message = "timed out";
      } else if (job->cancelled) {
        result.outcome = ProcessOutcome::Cancelled;
        result.message = "cancelled";
      }
      finish(*job, std::move(result), fmt::format("its exit-code file says {}", *code));
    } else if (job->give_up_at && now >= *job->give_up_at) {
      finish_cancelled(*job);
    }
  }
}

void ClusterRunner::enforce_timeouts(SteadyTime now) {
  std::vector<std::string> ids;
  for (auto& job : m_jobs) {
    if (!job->done && job->timeout_at && now >= *job->timeout_at && !job->timed_out &&
        !job->cancelled) {
      job->timed_out = true;
      job->give_up_at = now + m_options.cancel_confirm;
      ids.push_back(job->id);
    }
  }
  if (!ids.empty()) {
    Status cancelled = m_backend.cancel(ids);
    if (!cancelled.ok()) {
      for (auto& job : m_jobs) {
        if (std::find(ids.begin(), ids.end(), job->id) != ids.end()) {
          append_note(job->log_path,
                      "cancelling the timed-out job failed: " + cancelled.error().message());
        }
      }
    }
    // The queue confirms the end of a cancelled job soon after: look at it often meanwhile.
    m_next_poll = std::min(m_next_poll, now + m_options.file_check);
  }
}

void ClusterRunner::poll_queue(SteadyTime now) {
  std::vector<std::string> ids;
  for (const auto& job : m_jobs) {
    if (!job->done) {
      ids.push_back(job->id);
    }
  }
  bool awaiting = false;  // a job needs another look soon (cancelled, or without evidence)
  auto states = m_backend.query(ids);
  if (states.ok()) {
    for (auto& job : m_jobs) {
      if (job->done) {
        continue;
      }
      auto it = states->find(job->id);
      if (it == states->end()) {
        judge_vanished(*job);
      } else if (is_final_state(it->second.state)) {
        judge_final(*job, it->second);
      } else if (job->last_state != it->second.state) {
        job->last_state = it->second.state;
        m_changed = true;
        if (it->second.state == JobState::Running && job->timeout && !job->timeout_at) {
          job->timeout_at = now + *job->timeout;
        }
      }
      awaiting =
          awaiting ||
          (!job->done && (job->cancelled || job->timed_out || job->evidence_until.has_value()));
    }
  }
  // Back off while nothing changes; poll at the first interval again when something does.
  m_interval = m_changed ? m_options.poll : std::min(m_interval * 2, m_options.max_poll);
  m_changed = false;
  Milliseconds next = m_interval;
  if (awaiting) {
    next = m_cancel_until || std::any_of(m_jobs.begin(), m_jobs.end(),
                                         [](const auto& job) {
                                           return !job->done && (job->cancelled || job->timed_out);
                                         })
               ? m_options.file_check
               : m_options.poll;
  }
  m_next_poll = now + next;
}

bool ClusterRunner::judge_final(Job& job, const JobStatus& status) {
  if (job.cancelled || job.timed_out) {
    finish_cancelled(job);
    return true;
  }
  ProcessResult result;
  result.outcome = ProcessOutcome::Signaled;
  std::string backend = m_backend.name();
  switch (status.state) {
    case JobState::Completed:
      judge_without_evidence(job, fmt::format("{} reports it {} but its exit-code file {} is "
                                              "missing: is the workspace on a filesystem the "
                                              "compute nodes share?",
                                              backend, status.raw, job.exit_file.string()));
      return false;
    case JobState::Failed: {
      JobStatus known = status;
      if (!known.exit_code) {
        auto record = m_backend.lookup_finished(job.id);
        if (record.ok() && *record) {
          known = **record;
        }
      }
      if (known.exit_code && *known.exit_code != 0) {
        result.outcome = ProcessOutcome::Exited;
        result.exit_code = *known.exit_code;
      } else if (known.exit_signal && *known.exit_signal != 0) {
        result.signal = *known.exit_signal;
        result.message = fmt::format("{} (killed by signal {})", status.raw, result.signal);
      } else {
        result.message = fmt::format("{} (exit code unknown)", status.raw);
      }
      break;
    }
    case JobState::TimedOut:
      result.outcome = ProcessOutcome::TimedOut;
      result.message =
          fmt::format("{}: the scheduler's time limit passed (resources.time)", status.raw);
      break;
    case JobState::Cancelled:
      result.outcome = ProcessOutcome::Cancelled;
      result.message = fmt::format("{} outside mlops", status.raw);
      break;
    case JobState::OutOfMemory:
      result.message = fmt::format(
          "out of memory ({}): the job used more memory than it asked "
          "for; raise resources.mem",
          status.raw);
      break;
    case JobState::NodeFailed:
      result.message = fmt::format(
          "{}: the job was lost to its node (a node or boot failure, "
          "or preemption); the stage's retries apply",
          status.raw);
      break;
    default:
      result.message = fmt::format("the job ended {}", status.raw);
      break;
  }
  finish(job, std::move(result), fmt::format("{} reports it {}", backend, status.raw));
  return true;
}

void ClusterRunner::judge_vanished(Job& job) {
  if (job.cancelled || job.timed_out) {
    finish_cancelled(job);
    return;
  }
  auto record = m_backend.lookup_finished(job.id);
  if (record.ok() && *record && is_final_state((*record)->state)) {
    judge_final(job, **record);
    return;
  }
  judge_without_evidence(
      job, fmt::format("the job is no longer in {}'s queue and neither its exit-code file {} nor "
                       "a job-completion record says how it ended{}: its state is unknown",
                       m_backend.name(), job.exit_file.string(),
                       record.ok() ? "" : " (" + record.error().message() + ")"));
}

void ClusterRunner::judge_without_evidence(Job& job, const std::string& why) {
  // The exit-code file may still be on its way (a shared filesystem's attribute cache): look
  // again at each poll for a bounded time, then fail. Never succeed without it.
  if (auto code = read_exit_file(job.exit_file)) {
    ProcessResult result;
    result.exit_code = *code;
    finish(job, std::move(result), fmt::format("its exit-code file says {}", *code));
    return;
  }
  SteadyTime now = m_clock.now();
  if (!job.evidence_until) {
    job.evidence_until = now + m_options.evidence_grace;
  }
  if (now < *job.evidence_until) {
    return;
  }
  ProcessResult result;
  result.outcome = ProcessOutcome::Signaled;
  result.message = why + "; not counted as succeeded";
  finish(job, std::move(result), "without evidence of how it ended");
}

void ClusterRunner::finish(Job& job, ProcessResult result, const std::string& how) {
  SteadyTime now = m_clock.now();
  result.token = job.token;
  result.duration = std::chrono::duration_cast<Milliseconds>(now - job.started);
  std::string prefix = fmt::format("{} job {}", m_backend.name(), job.id);
  result.message = result.message.empty() ? prefix : prefix + ": " + result.message;
  if (!result.succeeded()) {
    result.stderr_tail = log_tail(job.log_path, m_options.log_tail_lines);
  }
  append_note(job.log_path, fmt::format("{} ended: {}", prefix, how));
  job.done = true;
  m_changed = true;
  m_done.push_back(std::move(result));
}

void ClusterRunner::finish_cancelled(Job& job) {
  ProcessResult result;
  result.outcome = job.timed_out ? ProcessOutcome::TimedOut : ProcessOutcome::Cancelled;
  result.message = job.timed_out ? "timed out" : "cancelled";
  finish(job, std::move(result), job.timed_out ? "cancelled at its timeout" : "cancelled");
}

void ClusterRunner::collect_finished() {
  m_jobs.remove_if([](const auto& job) { return job->done; });
  if (m_jobs.empty()) {
    m_cancel_until.reset();
  }
}

void ClusterRunner::cancel_all() {
  bool force = m_cancelling;
  m_cancelling = true;
  SteadyTime now = m_clock.now();
  std::vector<std::string> ids;
  for (auto& job : m_jobs) {
    if (job->done) {
      continue;
    }
    if (force) {
      finish_cancelled(*job);  // a second interrupt: report them now, confirmed or not
      continue;
    }
    if (!job->timed_out) {
      job->cancelled = true;
    }
    job->give_up_at = now + m_options.cancel_confirm;
    ids.push_back(job->id);
  }
  collect_finished();
  if (ids.empty()) {
    return;
  }
  Status cancelled = m_backend.cancel(ids);
  if (!cancelled.ok()) {
    for (auto& job : m_jobs) {
      append_note(job->log_path, "cancelling the job failed: " + cancelled.error().message());
    }
  }
  m_cancel_until = now + m_options.cancel_confirm;
  m_next_poll = now;
}

}  // namespace mlops
