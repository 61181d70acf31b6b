#include "report/junit.hpp"

#include <fmt/format.h>

#include "util/strings.hpp"
#include "util/xml_escape.hpp"

namespace mlops {
namespace {

std::string seconds(Milliseconds duration) {
  return fmt::format("{:.3f}", static_cast<double>(duration.count()) / 1000.0);
}

std::string attribute(std::string_view name, std::string_view value) {
  return fmt::format(" {}=\"{}\"", name, xml_escape(value));
}

std::string log_line(const Pipeline& pipeline, const StageReport& stage) {
  if (stage.log_path.empty()) {
    return "";
  }
  std::error_code error;
  auto relative = std::filesystem::relative(stage.log_path, pipeline.workspace, error);
  return "log: " + (error ? stage.log_path : relative).string();
}

// The <failure>, <error> or <skipped> element of one stage's testcase (empty when it ran and
// succeeded), counting it.
std::string testcase_body(const Pipeline& pipeline, const StageReport& stage, size_t& failures,
                          size_t& errors, size_t& skipped) {
  auto failure = [&](const std::string& message, const char* type) {
    ++failures;
    std::string tail = join(stage.last.stderr_tail, "\n");
    std::string log = log_line(pipeline, stage);
    return fmt::format("      <failure{}{}>{}</failure>\n", attribute("message", message),
                       attribute("type", type),
                       xml_escape(tail.empty() || log.empty() ? tail + log : tail + "\n" + log));
  };
  switch (stage.status) {
    case StageStatus::Failed:
      return failure(describe_failure(stage.last), "StageFailed");
    case StageStatus::Rejected:
      return stage.gate ? failure("rejected: " + stage.gate->summary(), "GateRejected")
                        : failure("rejected: the data did not pass its checks", "Rejected");
    case StageStatus::Cancelled:
      ++errors;
      return fmt::format("      <error{}{}/>\n",
                         attribute("message", "cancelled: the run was interrupted"),
                         attribute("type", "Cancelled"));
    case StageStatus::Skipped:
    case StageStatus::Pending:
      ++skipped;
      return fmt::format("      <skipped{}/>\n",
                         attribute("message", stage.note.empty() ? "not run" : stage.note));
    case StageStatus::Succeeded:
      if (!stage.cached)
        return "";
      ++skipped;
      return fmt::format(
          "      <skipped{}/>\n",
          attribute("message",
                    "cached: " + (stage.note.empty() ? std::string("up to date") : stage.note)));
    default:
      return "";
  }
}

}  // namespace

std::string junit_xml(const Pipeline& pipeline, const RunReport& report, const JunitRunInfo& info) {
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  std::string cases;
  for (size_t i = 0; i < pipeline.stages.size() && i < report.stages.size(); ++i) {
    const StageReport& stage = report.stages[i];
    if (stage.status == StageStatus::NotSelected) {
      continue;
    }
    ++tests;
    std::string body = testcase_body(pipeline, stage, failures, errors, skipped);
    std::string out = log_line(pipeline, stage);
    if (stage.gate) {  // each check with its value, baseline, threshold and verdict
      std::string table =
          "gate: " + stage.gate->summary() + "\n" +
          join(std::vector<std::string>(std::begin(k_gate_columns), std::end(k_gate_columns)),
               "\t");
      for (const auto& row : gate_check_rows(stage.gate->checks)) {
        table += "\n" + join(row, "\t");
      }
      out = out.empty() ? table : table + "\n" + out;
    }
    if (!out.empty()) {
      body += fmt::format("      <system-out>{}</system-out>\n", xml_escape(out));
    }
    cases += fmt::format(
        "    <testcase{}{}{}>\n{}    </testcase>\n", attribute("name", pipeline.stages[i].name),
        attribute("classname", pipeline.name), attribute("time", seconds(stage.duration)), body);
  }
  std::string properties = fmt::format(
      "    <properties>\n      <property{}{}/>\n      <property{}{}/>\n    </properties>\n",
      attribute("name", "mlops.run_id"), attribute("value", info.run_id),
      attribute("name", "mlops.pipeline_file"), attribute("value", pipeline.file.string()));
  std::string counts = fmt::format("{}{}{}", attribute("tests", std::to_string(tests)),
                                   attribute("failures", std::to_string(failures)),
                                   attribute("errors", std::to_string(errors)));
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites{}{}{}>\n"
      "  <testsuite{}{}{}{}{}{}{}>\n{}{}  </testsuite>\n"
      "</testsuites>\n",
      attribute("name", "mlops"), counts, attribute("time", seconds(report.duration)),
      attribute("name", pipeline.name), counts, attribute("skipped", std::to_string(skipped)),
      attribute("time", seconds(report.duration)), attribute("timestamp", info.started_at),
      attribute("hostname", info.hostname), attribute("id", info.run_id), properties, cases);
}

}  // namespace mlops
