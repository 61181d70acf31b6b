// mlops data validate FILE --rules R and mlops data suggest FILE: adapters over
// app/data_quality.hpp that print the failed checks and a verdict (or the JSON document), write
// validation.json, JUnit and the profile, and map a rejection to exit code 3.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "app/data_quality.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "data/profile_json.hpp"
#include "quality/validation_json.hpp"
#include "quality/validation_junit.hpp"
#include "report/github_actions.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {

namespace {

// The read options given on the command line, as overrides of the rules file's `input:`.
Result<InputSpec> read_overrides(const DataReadOptions& options) {
  InputSpec input;
  if (options.format == "csv" || options.format == "jsonl") {
    input.format = options.format;
  } else if (options.format != "auto") {
    return Error(ErrorKind::Usage,
                 fmt::format("--format {}: expected auto, csv or jsonl", options.format));
  }
  if (options.delimiter == "tab" || options.delimiter == "\\t") {
    input.delimiter = '\t';
  } else if (options.delimiter.size() == 1) {
    input.delimiter = options.delimiter[0];
  } else if (!options.delimiter.empty()) {
    return Error(ErrorKind::Usage,
                 fmt::format("--delimiter '{}': expected one character or tab", options.delimiter));
  }
  if (options.no_header)
    input.header = false;
  if (options.no_default_nulls || !options.null_values.empty()) {
    std::vector<std::string> nulls;
    if (!options.no_default_nulls)
      nulls = ProfileOptions{}.null_values;
    nulls.insert(nulls.end(), options.null_values.begin(), options.null_values.end());
    input.null_values = std::move(nulls);
  }
  return input;
}

int print_rules_errors(const std::vector<Diagnostic>& diagnostics, const std::string& file) {
  std::string text;
  std::string annotations;
  for (const Diagnostic& diagnostic : diagnostics) {
    text += render_diagnostic(diagnostic);
    annotations += github_error("mlops data validate", diagnostic.message, diagnostic);
  }
  text += fmt::format("mlops: {} error{} in {}\n", diagnostics.size(),
                      diagnostics.size() == 1 ? "" : "s", file);
  write_all(2, text);
  if (github_actions_enabled())
    write_all(1, annotations);
  return k_exit_invalid;
}

std::string indent_lines(const std::string& text, std::string_view prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    out += std::string(prefix) + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

std::string check_lines(const CheckResult& r, bool strict) {
  const char* label = r.verdict == Verdict::Skipped                 ? "skipped"
                      : r.verdict == Verdict::Pass                  ? "passed"
                      : r.spec.level == CheckLevel::Error || strict ? "FAIL"
                                                                    : "warning";
  std::string out = fmt::format("{:<8}{} ({}): {}\n", label, r.spec.id,
                                check_level_name(r.spec.level), r.summary);
  if (r.verdict == Verdict::Skipped)
    return out;
  if (!r.note.empty())
    out += indent_lines(r.note, "        ");
  // The terminal shows the first 5 failing rows; validation.json and JUnit keep 20.
  std::string rows = failing_rows_text(r, 5);
  return out + indent_lines(rows, "        ");
}

std::string validation_summary(const ValidationReport& report, bool strict) {
  const DatasetProfile& p = report.profile;
  std::string out = fmt::format(
      "{}: {} rows, {} columns, {} malformed rows; {} checks: {} passed, "
      "{} failed, {} skipped\n",
      report.source, p.rows, p.columns.size(), p.malformed_rows, report.checks.size(),
      report.passed(), report.checks.size() - report.passed() - report.skipped(), report.skipped());
  // Failed and skipped checks, and the passed ones whose `mostly` let some rows fail: the user
  // sees which rows were tolerated.
  for (const CheckResult& r : report.checks) {
    if (r.verdict != Verdict::Pass || r.failed > 0)
      out += check_lines(r, strict);
  }
  size_t errors = report.failed_errors();
  size_t warnings = report.failed_warnings();
  out += fmt::format("verdict: {} ({} error{}, {} warning{}{})\n",
                     report.rejected(strict) ? "REJECTED" : "accepted", errors,
                     errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                     strict && warnings > 0 ? "; --strict rejects on warnings" : "");
  return out;
}

// Writes `text` to `path`, making its directory first.
Status write_output(const std::filesystem::path& path, std::string_view text) {
  std::error_code error;
  if (path.has_parent_path())
    std::filesystem::create_directories(path.parent_path(), error);
  return write_file_atomic(path, text);
}

Status write_outputs(const DataValidateCommand& command, const ValidationReport& report,
                     const std::string& json, const JunitValidationInfo& info) {
  if (command.output)
    MLOPS_CHECK(write_output(*command.output, json));
  if (command.junit)
    MLOPS_CHECK(write_output(*command.junit, validation_junit_xml(report, info)));
  if (command.profile_out) {
    MLOPS_CHECK(write_output(*command.profile_out, profile_to_json(report.profile)));
  }
  if (command.metrics_out) {
    MLOPS_CHECK(write_output(*command.metrics_out, validation_metrics_json(report)));
  }
  return Status::success();
}

}  // namespace

namespace {

std::filesystem::path history_store(const std::optional<std::filesystem::path>& flag) {
  if (flag)
    return *flag;
  if (const char* store = std::getenv("MLOPS_STORE"); store && *store)
    return store;
  const char* workspace = std::getenv("MLOPS_WORKSPACE");
  return std::filesystem::path(workspace && *workspace ? workspace : ".") / ".mlops" / "store.db";
}

}  // namespace

int data_validate_command(const DataValidateCommand& command) {
  Result<InputSpec> overrides = read_overrides(command.read);
  if (!overrides.ok())
    return report_query_error(overrides.error());
  JunitValidationInfo info{.seconds = 0, .timestamp = now_utc_iso(), .strict = command.strict};
  auto started = std::chrono::steady_clock::now();
  ValidateRequest request{.data = command.file,
                          .rules = command.rules,
                          .read_overrides = *overrides,
                          .history = {},
                          .history_pipeline = {},
                          .history_store = {}};
  request.history_pipeline = command.history_pipeline;
  if (!request.history_pipeline) {
    if (const char* pipeline = std::getenv("MLOPS_PIPELINE"))
      request.history_pipeline = pipeline;
  }
  request.history_store = history_store(command.store);
  Result<ValidateOutcome> outcome = validate_dataset(request);
  if (!outcome.ok())
    return report_query_error(outcome.error());
  if (!outcome->diagnostics.empty()) {
    return print_rules_errors(outcome->diagnostics, command.rules.string());
  }
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const ValidationReport& report = *outcome->report;
  std::string json = validation_to_json(report, command.strict);
  Status written = write_outputs(command, report, json, info);
  if (!written.ok())
    return report_query_error(written.error());
  write_all(1, command.json ? json : validation_summary(report, command.strict));
  return report.rejected(command.strict) ? k_exit_rejected : k_exit_success;
}

int data_suggest_command(const DataSuggestCommand& command) {
  Result<InputSpec> overrides = read_overrides(command.read);
  if (!overrides.ok())
    return report_query_error(overrides.error());
  Result<SuggestOutcome> outcome =
      suggest_dataset_rules(SuggestRequest{.data = command.file, .read_overrides = *overrides});
  if (!outcome.ok())
    return report_query_error(outcome.error());
  if (!command.output) {
    write_all(1, outcome->yaml);
    return k_exit_success;
  }
  Status written = write_output(*command.output, outcome->yaml);
  if (!written.ok())
    return report_query_error(written.error());
  write_all(2, fmt::format("wrote {} ({} checks{})\n", command.output->string(),
                           outcome->suggestion.checks.size(),
                           outcome->suggestion.dropped.empty()
                               ? ""
                               : fmt::format("; {} dropped: they failed on this data",
                                             outcome->suggestion.dropped.size())));
  return k_exit_success;
}

}  // namespace mlops
