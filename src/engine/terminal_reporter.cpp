#include "engine/terminal_reporter.hpp"

#include <signal.h>

#include <algorithm>

#include <fmt/format.h>

#include "util/file_io.hpp"
#include "util/paths.hpp"
#include "util/shell_quote.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

std::string command_line(const ProcessRequest& request) {
  std::vector<std::string> words;
  for (const auto& arg : request.argv) {
    words.push_back(shell_quote(arg));
  }
  return join(words, " ");
}

}  // namespace

void TerminalReporter::out(const std::string& text) {
  write_all(m_options.out_fd, text);
}
void TerminalReporter::err(const std::string& text) {
  write_all(m_options.err_fd, text);
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
    m_prefixed.append(label);
    m_prefixed.append(" | ");
    m_prefixed.append(lines.substr(start, end - start + 1));
    start = end + 1;
  }
  write_all(stream == OutputStream::Stdout ? m_options.out_fd : m_options.err_fd, m_prefixed);
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
  out(fmt::format("[mlops] run {} of pipeline '{}': {}, up to {} at once\n", report.run_id,
                  pipeline.name, stages, jobs));
}

void TerminalReporter::stage_cached(const Stage& stage, const StageReport& report) {
  if (m_options.dry_run) {
    out(fmt::format("    -. {}: {}\n", stage.name, report.note));
    return;
  }
  out(fmt::format("[mlops] skip  {}: {}\n", stage.name, report.note));
}

void TerminalReporter::stage_started(const Stage& stage, int attempt, int max_attempts,
                                     const ProcessRequest& request, const StageReport& report) {
  if (m_options.dry_run) {
    ++m_planned;
    std::string command =
        stage.command_kind == CommandKind::Shell ? stage.shell_command : command_line(request);
    out(fmt::format("  {:>3}. {}: {}{}\n", m_planned, stage.name, command,
                    report.note.empty() ? "" : "  (" + report.note + ")"));
    return;
  }
  std::string attempt_text =
      attempt > 1 ? fmt::format(" (attempt {} of {})", attempt, max_attempts) : "";
  std::string why = attempt == 1 && !report.note.empty() ? " (" + report.note + ")" : "";
  out(fmt::format("[mlops] start {}{}{}\n", stage.name, attempt_text, why));
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
  std::string duration = format_duration(report.last.duration);
  switch (report.status) {
    case StageStatus::Succeeded:
      out(fmt::format("[mlops] done  {} ({})\n", stage.name, duration));
      return;
    case StageStatus::Cancelled:
      out(fmt::format("[mlops] cancelled {} ({})\n", stage.name, duration));
      return;
    case StageStatus::Failed: {
      std::string text = fmt::format("[mlops] FAILED {}: {} ({})\n", stage.name,
                                     describe_failure(report.last), duration);
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
  } else {
    size_t cached = static_cast<size_t>(std::count_if(
        report.stages.begin(), report.stages.end(), [](const StageReport& s) { return s.cached; }));
    verdict = fmt::format("succeeded: {} stage{}{}", succeeded, succeeded == 1 ? "" : "s",
                          cached ? fmt::format(" ({} from the cache)", cached) : "");
  }
  text += fmt::format("[mlops] run {} {} in {}\n", report.run_id, verdict,
                      format_duration(report.duration));
  out(text);
}

}  // namespace mlops
