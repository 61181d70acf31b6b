#include "report/github_actions.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <random>

#include <fmt/format.h>

#include "util/duration.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace mlops {
namespace {

constexpr size_t k_max_log_bytes = 1024 * 1024;      // per stage group
constexpr size_t k_max_summary_bytes = 1000 * 1000;  // GitHub takes 1 MiB per step

std::string random_token() {
  std::random_device device;
  return fmt::format("mlops-{:08x}{:08x}{:08x}", device(), device(), device());
}

std::string shown(const std::filesystem::path& workspace, const std::filesystem::path& path) {
  auto relative = workspace_relative(workspace, path.string());
  return relative ? *relative : path.string();
}

// The end of a log, at most k_max_log_bytes, starting at a line.
std::string log_tail(const std::filesystem::path& path, bool& truncated) {
  auto text = read_file(path, 256 * 1024 * 1024);
  truncated = false;
  if (!text.ok()) {
    return "";
  }
  std::string log = std::move(*text);
  if (log.size() > k_max_log_bytes) {
    size_t start = log.find('\n', log.size() - k_max_log_bytes);
    log.erase(0, start == std::string::npos ? log.size() - k_max_log_bytes : start + 1);
    truncated = true;
  }
  if (!log.empty() && log.back() != '\n') {
    log += '\n';
  }
  return log;
}

Status append(const char* variable, std::string_view text) {
  const char* path = std::getenv(variable);
  if (!path || !*path) {
    return Status();
  }
  UniqueFd fd(::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot open ${} ({}): {}", variable, path, std::strerror(errno)));
  }
  return write_all(fd.get(), text)
             ? Status()
             : Error(ErrorKind::Io, fmt::format("cannot write ${}", variable));
}

std::string format_value(double value) {
  return fmt::format("{:.6g}", value);
}

}  // namespace

bool github_actions_enabled() {
  const char* value = std::getenv("GITHUB_ACTIONS");
  return value && std::strcmp(value, "true") == 0;
}

std::string github_escape_data(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string github_escape_property(std::string_view text) {
  std::string out;
  for (char c : github_escape_data(text)) {
    if (c == ':') {
      out += "%3A";
    } else if (c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string github_error(std::string_view title, std::string_view message,
                         const std::optional<Diagnostic>& where) {
  std::vector<std::string> properties;
  if (where) {
    properties.push_back("file=" + github_escape_property(where->file));
    if (where->mark.line > 0) {
      properties.push_back(fmt::format("line={}", where->mark.line));
      properties.push_back(fmt::format("col={}", where->mark.column));
    }
  }
  properties.push_back("title=" + github_escape_property(title));
  return fmt::format("::error {}::{}\n", join(properties, ","), github_escape_data(message));
}

std::string github_warning(std::string_view title, std::string_view message) {
  return fmt::format("::warning title={}::{}\n", github_escape_property(title),
                     github_escape_data(message));
}

GithubActionsReporter::GithubActionsReporter(int out_fd, std::filesystem::path workspace)
    : m_out_fd(out_fd), m_workspace(std::move(workspace)) {}

void GithubActionsReporter::stage_finished(const Stage& stage, const StageReport& report) {
  std::string status = stage_status_name(report.status);
  if (report.status == StageStatus::Failed) {
    status += ": " + describe_failure(report.last);
  }
  std::string text = fmt::format("::group::{} ({}, {})\n", github_escape_data(stage.name), status,
                                 format_duration(report.duration));
  bool truncated = false;
  std::string log = report.log_path.empty() ? "" : log_tail(report.log_path, truncated);
  if (truncated) {
    text += fmt::format("(the start of the log is left out here; all of it is in {})\n",
                        shown(m_workspace, report.log_path));
  }
  if (log.empty()) {
    text += "(no output)\n";
  } else {
    std::string token = random_token();
    text += fmt::format("::stop-commands::{}\n{}::{}::\n", token, log, token);
  }
  text += "::endgroup::\n";
  if (report.status == StageStatus::Failed) {
    std::string message = describe_failure(report.last);
    if (!report.last.stderr_tail.empty()) {
      message += "\n" + join(report.last.stderr_tail, "\n");
    }
    if (!report.log_path.empty()) {
      message += "\nlog: " + shown(m_workspace, report.log_path);
    }
    text += github_error(fmt::format("stage {} failed", stage.name), message);
  }
  if (report.status == StageStatus::Rejected && report.gate) {
    std::string message = report.gate->summary();
    if (!report.log_path.empty()) {
      message += "\nlog: " + shown(m_workspace, report.log_path);
    }
    text += github_error(fmt::format("stage {}: the model gate said no", stage.name), message);
  } else if (report.status == StageStatus::Rejected) {
    std::string message = "the data did not pass its checks";
    if (!report.last.stderr_tail.empty()) {
      message += "\n" + join(report.last.stderr_tail, "\n");
    }
    if (!report.log_path.empty()) {
      message += "\nlog: " + shown(m_workspace, report.log_path);
    }
    text += github_error(fmt::format("stage {} rejected its data", stage.name), message);
  }
  write_all(m_out_fd, text);
}

void GithubActionsReporter::warning(const Stage* stage, std::string_view message) {
  write_all(m_out_fd,
            github_warning(stage ? fmt::format("stage {}", stage->name) : "mlops run", message));
}

// Each gate of the run: its verdict, then every check with value, baseline and threshold.
static std::string gates_markdown(const Pipeline& pipeline, const RunReport& report) {
  std::string text;
  for (size_t i = 0; i < pipeline.stages.size() && i < report.stages.size(); ++i) {
    const auto& gate = report.stages[i].gate;
    if (!gate) {
      continue;
    }
    text += fmt::format("\n#### Gate of `{}`: {}\n\n", pipeline.stages[i].name, gate->summary());
    text +=
        "| metric | check | value | baseline | threshold | verdict |\n|---|---|---|---|---|---|\n";
    for (const auto& row : gate_check_rows(gate->checks)) {
      text += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", row[0], row[1], row[2], row[3],
                          row[4], row[5] == "fail" ? "❌ fail" : row[5]);
    }
  }
  return text;
}

std::string step_summary_markdown(const Pipeline& pipeline, const RunReport& report,
                                  const std::string& run_id, const MetricComparison& metrics) {
  size_t ran = 0, cached = 0, failed = report.count(StageStatus::Failed);
  for (const auto& stage : report.stages) {
    if (stage.status == StageStatus::Succeeded) {
      (stage.cached ? cached : ran)++;
    }
  }
  int code = report.exit_code();
  std::string status = code == 0   ? "succeeded"
                       : code == 1 ? "failed"
                       : code == 3 ? "rejected"
                                   : "interrupted";
  std::string text = fmt::format("### {} mlops run `{}` of `{}`: {}\n\n", code == 0 ? "✅" : "❌",
                                 run_id, pipeline.name, status);
  text += fmt::format("{} stage{} ran, {} cached (skipped or restored), {} failed, in {}.\n\n", ran,
                      ran == 1 ? "" : "s", cached, failed, format_duration(report.duration));
  text += "| stage | status | duration | note |\n|---|---|---|---|\n";
  std::string rows;
  for (size_t i = 0; i < pipeline.stages.size() && i < report.stages.size(); ++i) {
    const StageReport& stage = report.stages[i];
    if (stage.status == StageStatus::NotSelected) {
      continue;
    }
    std::string state = stage.cached ? "cached" : stage_status_name(stage.status);
    std::string note =
        stage.status == StageStatus::Failed ? describe_failure(stage.last) : stage.note;
    rows += fmt::format("| `{}` | {} | {} | {} |\n", pipeline.stages[i].name, state,
                        format_duration(stage.duration), note);
  }
  text += rows;
  text += gates_markdown(pipeline, report);
  if (!metrics.current.empty()) {
    text += metrics.previous_run
                ? fmt::format("\n#### Metrics (change against run `{}`)\n\n", *metrics.previous_run)
                : std::string("\n#### Metrics (no earlier succeeded run to compare with)\n\n");
    text += "| stage | metric | value | previous | change |\n|---|---|---|---|---|\n";
    for (const auto& metric : metrics.current) {
      auto before = metrics.previous_value(metric);
      std::string previous = before ? format_value(*before) : "–";
      std::string change = "–";
      if (before) {
        double delta = metric.value - *before;
        change = delta == 0 ? "0" : fmt::format("{}{}", delta > 0 ? "+" : "", format_value(delta));
      }
      text += fmt::format("| `{}` | `{}` | {} | {} | {} |\n", metric.stage, metric.key,
                          format_value(metric.value), previous, change);
    }
  }
  if (text.size() > k_max_summary_bytes) {
    text.resize(k_max_summary_bytes);
    text += "\n\n(cut to fit GitHub's summary limit)\n";
  }
  return text + "\n";
}

std::vector<std::string> write_github_step_files(const std::string& summary,
                                                 const std::string& run_id,
                                                 const std::string& status) {
  std::vector<std::string> problems;
  for (auto [variable, text] :
       {std::pair<const char*, std::string>{"GITHUB_STEP_SUMMARY", summary},
        std::pair<const char*, std::string>{
            "GITHUB_OUTPUT", fmt::format("run_id={}\nstatus={}\n", run_id, status)}}) {
    Status written = append(variable, text);
    if (!written.ok()) {
      problems.push_back(written.error().message());
    }
  }
  return problems;
}

}  // namespace mlops
