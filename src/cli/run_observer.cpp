#include "cli/run_observer.hpp"

#include <fmt/format.h>

#include "app/queries.hpp"
#include "cli/exit_codes.hpp"
#include "cli/terminal_style.hpp"
#include "util/file_io.hpp"

namespace mlops {

void print_pipeline_errors(const LoadedPipeline& loaded) {
  write_all(2, diagnostics_text(loaded));
  if (github_actions_enabled()) {
    std::string annotations;
    for (const auto& diagnostic : loaded.diagnostics) {
      annotations += github_error("mlops check", diagnostic.message, diagnostic);
    }
    write_all(1, annotations);
  }
}

namespace {

std::string stopped_note(const RecoveredRun& run) {
  if (run.processes_killed == 0) {
    return "";
  }
  return fmt::format(", and killed {} process{} it left running", run.processes_killed,
                     run.processes_killed == 1 ? "" : "es");
}

}  // namespace

void print_recovered(const std::vector<RecoveredRun>& runs) {
  for (const auto& run : runs) {
    write_all(2, fmt::format("[mlops] run {} of '{}' was interrupted (its mlops process {} is "
                             "gone); marked it interrupted{}\n",
                             run.run_id, run.pipeline, run.owner_pid, stopped_note(run)));
  }
}

int report_run_error(const Error& error) {
  if (error.kind() == ErrorKind::InvalidSpec) {
    write_all(2, "mlops: " + error.message() + "\n");  // the diagnostics came first
  } else {
    write_all(2, fmt::format("mlops: error: {}\n", error.message()));
  }
  return exit_code_for(error.kind());
}

std::vector<Reporter*> CliRunObserver::reporters(const Pipeline& pipeline, bool dry_run) {
  m_github = github_actions_enabled() && !dry_run;
  TerminalReporterOptions options{m_out_fd, 2, dry_run, pipeline.workspace, !m_github};
  options.color = !m_github && use_color(m_out_fd);
  options.progress = !m_github && !dry_run && use_progress(m_out_fd);
  options.verbosity = terminal_style().verbosity;
  m_terminal = std::make_unique<TerminalReporter>(options);
  std::vector<Reporter*> list = {m_terminal.get()};
  if (m_github) {
    m_github_reporter = std::make_unique<GithubActionsReporter>(m_out_fd, pipeline.workspace);
    list.push_back(m_github_reporter.get());
  }
  return list;
}

void CliRunObserver::notice(const std::string& message) {
  write_all(2, fmt::format("[mlops] {}\n", message));
}

void CliRunObserver::warning(const std::string& message) {
  write_all(2, fmt::format("mlops: warning: {}\n", message));  // the run went on
}

void CliRunObserver::finished(const Pipeline& pipeline, const RunReport& report,
                              MetadataStore* store) {
  if (!m_github) {
    return;
  }
  MetricComparison metrics;
  if (store) {
    auto run = store->find_run(report.run_id);
    auto compared = run.ok() && *run ? compare_metrics(*store, **run)
                                     : Result<MetricComparison>(MetricComparison{});
    if (compared.ok()) {
      metrics = std::move(*compared);
    }
  }
  auto problems =
      write_github_step_files(step_summary_markdown(pipeline, report, report.run_id, metrics),
                              report.run_id, report.status_name());
  for (const auto& problem : problems) {
    write_all(2, fmt::format("mlops: warning: {}\n", problem));
  }
}

int run_and_report(RunRequest request, int out_fd) {
  CliRunObserver observer(out_fd);
  RunOutcome outcome = run_pipeline(std::move(request), observer);
  if (outcome.error) {
    return report_run_error(*outcome.error);
  }
  return outcome.exit_code();
}

}  // namespace mlops
