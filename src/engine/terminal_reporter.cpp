#include "engine/terminal_reporter.hpp"

#include <signal.h>
#include <sys/ioctl.h>

#include <algorithm>

#include <fmt/format.h>

#include "spec/stage_command.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"

namespace mlops {

void TerminalReporter::out(const std::string& text) {
  write(m_options.out_fd, text);
}
void TerminalReporter::err(const std::string& text) {
  write(m_options.err_fd, text);
}

void TerminalReporter::write(int fd, std::string_view text) {
  if (m_progress_drawn) {
    write_all(m_options.out_fd, "\r\033[K");  // take the status line away
    m_progress_drawn = false;
  }
  write_all(fd, text);
  if (m_options.progress && m_report) {
    draw_progress();
  }
}

void TerminalReporter::draw_progress() {
  struct winsize size {};
  size_t width =
      ::ioctl(m_options.out_fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 ? size.ws_col : 80;
  auto now = std::chrono::steady_clock::now();
  std::string line = m_progress.render(*m_report, now, width);
  write_all(m_options.out_fd, "\r\033[K" + paint("2", line));
  m_progress_drawn = true;
  m_last_draw = now;
}

std::optional<SteadyTime> TerminalReporter::flush(SteadyTime now) {
  if (!m_options.progress || !m_report) {
    return std::nullopt;
  }
  if (std::chrono::steady_clock::now() - m_last_draw >= std::chrono::milliseconds(250)) {
    draw_progress();  // the elapsed times move
  }
  return now + std::chrono::milliseconds(250);
}

std::string TerminalReporter::paint(const char* code, std::string_view text) const {
  if (!m_options.color) {
    return std::string(text);
  }
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

std::string TerminalReporter::shown_path(const std::filesystem::path& path) const {
  if (!m_options.workspace.empty()) {
    auto relative = workspace_relative(m_options.workspace, path.string());
    if (relative) {
      return *relative;
    }
  }
  return path.string();
}

void TerminalReporter::on_output(std::string_view label, OutputStream stream,
                                 std::string_view lines) {
  if (!m_options.live_output) {
    return;
  }
  m_prefixed.clear();
  size_t start = 0;
  while (start < lines.size()) {
    size_t end = lines.find('\n', start);
    if (m_options.color) {
      m_prefixed.append("\033[2m");
      m_prefixed.append(label);
      m_prefixed.append(" |\033[0m ");
    } else {
      m_prefixed.append(label);
      m_prefixed.append(" | ");
    }
    m_prefixed.append(lines.substr(start, end - start + 1));
    start = end + 1;
  }
  write(stream == OutputStream::Stdout ? m_options.out_fd : m_options.err_fd, m_prefixed);
}

void TerminalReporter::run_started(const Pipeline& pipeline, const RunReport& report,
                                   size_t selected, size_t jobs) {
  size_t total = pipeline.stages.size();
  std::string plural = total == 1 ? "" : "s";
  std::string stages = selected == total ? fmt::format("{} stage{}", total, plural)
                                         : fmt::format("{} of {} stage{}", selected, total, plural);
  if (m_options.dry_run) {
    out(fmt::format("[mlops] dry run of pipeline '{}': {}, up to {} at once; in order:\n",
                    pipeline.name, stages, jobs));
    return;
  }
  m_report = &report;
  if (m_options.verbosity >= 0) {
    out(fmt::format("[mlops] run {} of pipeline '{}': {}, up to {} at once\n", report.run_id,
                    pipeline.name, stages, jobs));
  }
}

void TerminalReporter::stage_cached(const Stage& stage, const StageReport& report) {
  if (m_options.dry_run) {
    out(fmt::format("    -. {}: {}\n", stage.name, report.note));
    return;
  }
  if (m_options.verbosity >= 0) {
    out(fmt::format("[mlops] {}  {}: {}\n", paint("36", "skip"), stage.name, report.note));
  }
}

void TerminalReporter::stage_started(const Stage& stage, int attempt, int max_attempts,
                                     const ProcessRequest& /*request*/, const StageReport& report) {
  if (m_options.dry_run) {
    ++m_planned;
    std::string command = stage_command_text(stage);
    out(fmt::format("  {:>3}. {}: {}{}\n", m_planned, stage.name, command,
                    report.note.empty() ? "" : "  (" + report.note + ")"));
    return;
  }
  std::string attempt_text =
      attempt > 1 ? fmt::format(" (attempt {} of {})", attempt, max_attempts) : "";
  std::string why = attempt == 1 && !report.note.empty() ? " (" + report.note + ")" : "";
  m_progress.started(stage.name, std::chrono::steady_clock::now());
  if (m_options.verbosity >= 0) {
    out(fmt::format("[mlops] {} {}{}{}\n", paint("34", "start"), stage.name, attempt_text, why));
  }
  if (m_options.verbosity > 0) {
    std::string command = stage_command_text(stage);
    out(fmt::format("[mlops]       $ {}\n", command));
  }
}

void TerminalReporter::stage_retrying(const Stage& stage, const ProcessResult& result,
                                      int next_attempt, Milliseconds delay) {
  err(fmt::format("[mlops] {} failed ({}); retrying in {} (attempt {} of {})\n", stage.name,
                  describe_failure(result), format_duration(delay), next_attempt,
                  stage.retries + 1));
}

void TerminalReporter::stage_finished(const Stage& stage, const StageReport& report) {
  if (m_options.dry_run) {
    return;
  }
  m_progress.finished(stage.name);
  std::string duration = format_duration(report.last.duration);
  switch (report.status) {
    case StageStatus::Succeeded:
      if (m_options.verbosity >= 0) {
        out(fmt::format("[mlops] {}  {} ({})\n", paint("32", "done"), stage.name, duration));
      }
      return;
    case StageStatus::Cancelled:
      out(fmt::format("[mlops] {} {} ({})\n", paint("33", "cancelled"), stage.name, duration));
      return;
    case StageStatus::Rejected: {
      std::string text = fmt::format(
          "[mlops] {} {}: {} ({})\n", paint("1;31", "REJECTED"), stage.name,
          report.gate ? report.gate->summary() : std::string("the data did not pass its checks"),
          duration);
      if (report.gate) {
        for (const auto& check : report.gate->checks) {
          text += fmt::format("  {} {}\n", check.verdict == "fail" ? "FAIL" : check.verdict,
                              check.message);
        }
      }
      for (const auto& line : report.last.stderr_tail) {
        text += "  " + line + "\n";
      }
      text += fmt::format("[mlops] full log: {}\n", shown_path(report.log_path));
      err(text);
      return;
    }
    case StageStatus::Failed: {
      std::string text = fmt::format("[mlops] {} {}: {} ({})\n", paint("1;31", "FAILED"),
                                     stage.name, describe_failure(report.last), duration);
      if (!report.last.stderr_tail.empty()) {
        text +=
            fmt::format("[mlops] last {} lines of its stderr:\n", report.last.stderr_tail.size());
        for (const auto& line : report.last.stderr_tail) {
          text += "  " + line + "\n";
        }
      }
      std::error_code error;
      text += std::filesystem::exists(report.log_path, error)
                  ? fmt::format("[mlops] full log: {}\n", shown_path(report.log_path))
                  : std::string("[mlops] it wrote no output\n");
      err(text);
      return;
    }
    default:
      return;
  }
}

void TerminalReporter::warning(const Stage* stage, std::string_view message) {
  err(stage ? fmt::format("[mlops] {}: {}: {}\n", paint("33", "warning"), stage->name, message)
            : fmt::format("[mlops] {}: {}\n", paint("33", "warning"), message));
}

void TerminalReporter::interrupted(int signal, size_t running) {
  const char* name = sigabbrev_np(signal);
  err(
      fmt::format("[mlops] received SIG{}: starting nothing new, stopping {} running stage{} "
                  "(again to kill at once)\n",
                  name ? name : "?", running, running == 1 ? "" : "s"));
}

void TerminalReporter::run_finished(const Pipeline& pipeline, const RunReport& report) {
  if (m_options.dry_run) {
    size_t skipped = report.count(StageStatus::NotSelected);
    if (skipped > 0) {
      std::vector<std::string> names;
      for (size_t i = 0; i < pipeline.stages.size(); ++i) {
        if (report.stages[i].status == StageStatus::NotSelected) {
          names.push_back(pipeline.stages[i].name);
        }
      }
      out(fmt::format("[mlops] not selected: {}\n", join(names, ", ")));
    }
    out(fmt::format("[mlops] {} stages would run; nothing was run\n", m_planned));
    return;
  }
  m_report = nullptr;  // the run is over: no status line from here on
  size_t width = 5;
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    if (report.stages[i].status != StageStatus::NotSelected) {
      width = std::max(width, pipeline.stages[i].name.size());
    }
  }
  std::string text = fmt::format("\n{:<{}}  {:<11}  {:>8}  {:>8}  NOTE\n", "STAGE", width, "STATUS",
                                 "ATTEMPTS", "DURATION");
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    const StageReport& stage = report.stages[i];
    if (stage.status == StageStatus::NotSelected) {
      continue;
    }
    std::string note = stage.note;
    if (stage.status == StageStatus::Failed) {
      note = describe_failure(stage.last);
    }
    bool ran = stage.attempts > 0;
    std::string row = fmt::format("{:<{}}  {:<11}  {:>8}  {:>8}  {}", pipeline.stages[i].name,
                                  width, stage.cached ? "cached" : stage_status_name(stage.status),
                                  ran ? std::to_string(stage.attempts) : "-",
                                  ran ? format_duration(stage.duration) : "-", note);
    text += std::string(trim(row)) + "\n";
  }
  size_t failed = report.count(StageStatus::Failed);
  size_t succeeded = report.count(StageStatus::Succeeded);
  std::string verdict;
  if (report.interrupt_signal != 0) {
    verdict = fmt::format("interrupted: {} stages succeeded, {} cancelled", succeeded,
                          report.count(StageStatus::Cancelled));
  } else if (failed > 0) {
    verdict = fmt::format("failed: {} stage{} failed, {} succeeded", failed, failed == 1 ? "" : "s",
                          succeeded);
  } else if (size_t rejected = report.count(StageStatus::Rejected); rejected > 0) {
    size_t gates = static_cast<size_t>(std::count_if(
        report.stages.begin(), report.stages.end(),
        [](const StageReport& s) { return s.status == StageStatus::Rejected && s.gate; }));
    verdict = gates == rejected ? fmt::format("rejected: {} model gate{} said no, {} succeeded",
                                              rejected, rejected == 1 ? "" : "s", succeeded)
                                : fmt::format(
                                      "rejected: {} check stage{} rejected the data or model, {} "
                                      "succeeded",
                                      rejected, rejected == 1 ? "" : "s", succeeded);
  } else {
    size_t cached = static_cast<size_t>(std::count_if(
        report.stages.begin(), report.stages.end(), [](const StageReport& s) { return s.cached; }));
    verdict = fmt::format("succeeded: {} stage{}{}", succeeded, succeeded == 1 ? "" : "s",
                          cached ? fmt::format(" ({} from the cache)", cached) : "");
  }
  if (m_options.verbosity < 0) {
    text.clear();  // quiet: the verdict alone
  }
  const char* colour = report.interrupt_signal != 0 ? "33" : failed > 0 ? "1;31" : "32";
  text += fmt::format("[mlops] run {} {} in {}\n", report.run_id, paint(colour, verdict),
                      format_duration(report.duration));
  out(text);
}

}  // namespace mlops
