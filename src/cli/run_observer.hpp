// How the command line shows a run: the terminal reporter (and, under GitHub Actions, groups,
// annotations and the step summary), pipeline errors as FILE:LINE:COL, recovered runs, and
// warnings. `mlops run` and the runs `mlops trigger check` starts share it.
#pragma once

#include <memory>
#include <optional>

#include "app/run_service.hpp"
#include "engine/terminal_reporter.hpp"
#include "report/github_actions.hpp"

namespace mlops {

// Prints a pipeline's diagnostics on stderr (and as GitHub annotations under Actions).
void print_pipeline_errors(const LoadedPipeline& loaded);

// Prints "[mlops] run ID of 'P' was interrupted ..." for each run recovered on opening a store.
void print_recovered(const std::vector<RecoveredRun>& runs);

// Prints "mlops: error: MESSAGE" (or, for an invalid pipeline, only the hint) and returns the
// exit code the error kind maps to.
int report_run_error(const Error& error);

class CliRunObserver final : public RunObserver {
 public:
  explicit CliRunObserver(int out_fd = 1) : m_out_fd(out_fd) {}

  void pipeline_invalid(const LoadedPipeline& loaded) override { print_pipeline_errors(loaded); }
  void recovered(const std::vector<RecoveredRun>& runs) override { print_recovered(runs); }
  std::vector<Reporter*> reporters(const Pipeline& pipeline, bool dry_run) override;
  void warning(const std::string& message) override;
  void notice(const std::string& message) override;
  void finished(const Pipeline& pipeline, const RunReport& report, MetadataStore* store) override;

 private:
  int m_out_fd;
  bool m_github = false;
  std::unique_ptr<TerminalReporter> m_terminal;
  std::unique_ptr<GithubActionsReporter> m_github_reporter;
};

// Runs `request` with the command line's observer: the exit code of `mlops run`.
int run_and_report(RunRequest request, int out_fd = 1);

}  // namespace mlops
