// GitHub Actions, detected by GITHUB_ACTIONS=true: workflow commands on stdout and the files the
// runner hands a step (docs/ci.md).
//
// - Each stage's log is printed when the stage ends, inside ::group:: / ::endgroup::, so parallel
//   stages do not interleave; the log is relayed between ::stop-commands:: markers with a random
//   token, so a stage cannot issue workflow commands (::add-mask::, ::error::) by printing them.
// - A failed stage gets an ::error:: annotation with its stderr tail; pipeline errors from
//   `mlops check` (and `run`) get ::error file=,line=,col=:: annotations on the file.
// - A warning (Reporter::warning: a dep changed while the stage ran, an output not cached) gets a
//   ::warning:: annotation.
// - The run's Markdown summary goes to $GITHUB_STEP_SUMMARY, run_id and status to $GITHUB_OUTPUT.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/reporter.hpp"
#include "report/report_data.hpp"
#include "spec/diagnostic.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

bool github_actions_enabled();

// Escaping for a workflow command's message, and for its properties (which also escape ':' and
// ',').
std::string github_escape_data(std::string_view text);
std::string github_escape_property(std::string_view text);

// "::error file=F,line=L,col=C,title=T::MESSAGE\n" (file, line and col only when known).
std::string github_error(std::string_view title, std::string_view message,
                         const std::optional<Diagnostic>& where = std::nullopt);
// "::warning title=T::MESSAGE\n".
std::string github_warning(std::string_view title, std::string_view message);

class GithubActionsReporter final : public Reporter {
 public:
  GithubActionsReporter(int out_fd, std::filesystem::path workspace);

  void stage_finished(const Stage& stage, const StageReport& report) override;
  void warning(const Stage* stage, std::string_view message) override;

 private:
  int m_out_fd;
  std::filesystem::path m_workspace;
};

std::string step_summary_markdown(const Pipeline& pipeline, const RunReport& report,
                                  const std::string& run_id, const MetricComparison& metrics);

// Appends the summary to $GITHUB_STEP_SUMMARY and run_id/status to $GITHUB_OUTPUT, when set.
// Returns the problems (they never fail the run; the front end shows them as warnings).
std::vector<std::string> write_github_step_files(const std::string& summary,
                                                 const std::string& run_id,
                                                 const std::string& status);

}  // namespace mlops
