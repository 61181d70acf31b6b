// Line-oriented progress for terminals and CI logs.
//
// Stage output is relayed a whole line at a time, prefixed with the stage's name: stdout lines to
// mlops's stdout, stderr lines to mlops's stderr, so parallel stages never interleave half-lines.
// mlops's own progress lines and the summary go to stdout; failures with their stderr tail, and
// warnings ("[mlops] warning: STAGE: MESSAGE"), go to stderr.
#pragma once

#include <string>

#include "engine/progress_line.hpp"
#include "engine/reporter.hpp"

namespace mlops {

struct TerminalReporterOptions {
  int out_fd = 1;
  int err_fd = 2;
  bool dry_run = false;             // print the plan instead of progress
  std::filesystem::path workspace;  // log paths are shown relative to it when inside
  bool live_output = true;  // relay stages' output as it comes (off: another reporter shows logs)
  bool color = false;       // ANSI colours (only for a terminal; see cli/terminal_style.hpp)
  bool progress = false;    // a live status line at the bottom of out_fd (a terminal)
  int verbosity = 0;        // -1 quiet: failures and the verdict only; 1 verbose: commands too
};

class TerminalReporter final : public Reporter {
 public:
  explicit TerminalReporter(TerminalReporterOptions options) : m_options(std::move(options)) {}

  void on_output(std::string_view label, OutputStream stream, std::string_view lines) override;
  void run_started(const Pipeline& pipeline, const RunReport& report, size_t selected,
                   size_t jobs) override;
  void stage_started(const Stage& stage, int attempt, int max_attempts,
                     const ProcessRequest& request, const StageReport& report) override;
  void stage_cached(const Stage& stage, const StageReport& report) override;
  void stage_retrying(const Stage& stage, const ProcessResult& result, int next_attempt,
                      Milliseconds delay) override;
  void stage_finished(const Stage& stage, const StageReport& report) override;
  void interrupted(int signal, size_t running) override;
  void run_finished(const Pipeline& pipeline, const RunReport& report) override;
  void warning(const Stage* stage, std::string_view message) override;
  std::optional<SteadyTime> flush(SteadyTime now) override;

 private:
  void out(const std::string& text);
  void err(const std::string& text);
  // Writes `text` to `fd` with the status line taken away first and drawn again after.
  void write(int fd, std::string_view text);
  void draw_progress();
  std::string paint(const char* code, std::string_view text) const;
  std::string shown_path(const std::filesystem::path& path) const;

  TerminalReporterOptions m_options;
  ProgressLine m_progress;
  const RunReport* m_report = nullptr;  // the executor's, updated as the run goes
  bool m_progress_drawn = false;
  std::chrono::steady_clock::time_point m_last_draw{};
  size_t m_planned = 0;
  std::string m_prefixed;  // reused buffer for prefixed output
};

}  // namespace mlops
