#include "quality/validation_junit.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/xml_escape.hpp"

namespace mlops {
namespace {

std::string attribute(std::string_view name, std::string_view value) {
  return fmt::format(" {}=\"{}\"", name, xml_escape(value));
}

std::string number_attribute(std::string_view name, size_t value) {
  return attribute(name, std::to_string(value));
}

// The rows a check failed on in all, as far as it knows.
uint64_t total_failing(const CheckResult& r) {
  if (r.spec.kind == CheckKind::MalformedRows && r.measured) {
    return static_cast<uint64_t>(*r.measured);
  }
  return r.failed;
}

std::string testcase_body(const CheckResult& r, bool strict) {
  if (r.verdict == Verdict::Skipped) {
    return fmt::format("      <skipped{}/>\n", attribute("message", r.note));
  }
  if (r.verdict == Verdict::Pass)
    return "";
  std::string details = failing_rows_text(r);
  if (!r.note.empty())
    details = r.note + "\n" + details;
  bool fails = r.spec.level == CheckLevel::Error || strict;
  if (!fails) {
    return fmt::format("      <system-out>{}</system-out>\n",
                       xml_escape("warning: " + r.summary + "\n" + details));
  }
  return fmt::format(
      "      <failure{}{}>{}</failure>\n",
      attribute("message", std::string(check_level_name(r.spec.level)) + ": " + r.summary),
      attribute("type", "DataCheckFailed"), xml_escape(details));
}

}  // namespace

std::string failing_rows_text(const CheckResult& r, size_t limit) {
  std::string text;
  size_t shown = std::min(limit, r.failing_rows.size());
  for (size_t i = 0; i < shown; ++i) {
    const FailingRow& row = r.failing_rows[i];
    std::string what = row.reason;
    for (const auto& [column, value] : row.values) {
      if (!what.empty())
        what += ", ";
      what += column + "=" + value;
    }
    if (row.file.empty())
      text += fmt::format("line {}: {}\n", row.line, what);
    else
      text += fmt::format("{} line {}: {}\n", row.file, row.line, what);
  }
  uint64_t total = total_failing(r);
  if (total > shown && shown > 0) {
    uint64_t more = total - shown;
    text += fmt::format("... and {} more failing row{}\n", more, more == 1 ? "" : "s");
  }
  return text;
}

std::string validation_junit_xml(const ValidationReport& report, const JunitValidationInfo& info) {
  size_t failures = 0, skipped = 0;
  std::string cases;
  for (const CheckResult& r : report.checks) {
    std::string body = testcase_body(r, info.strict);
    failures += body.find("<failure") != std::string::npos;
    skipped += r.verdict == Verdict::Skipped;
    cases +=
        fmt::format("    <testcase{}{}{}>\n{}    </testcase>\n", attribute("name", r.spec.id),
                    attribute("classname", "mlops.data.validate"), attribute("time", "0"), body);
  }
  std::string time = fmt::format("{:.3f}", info.seconds);
  std::string counts = number_attribute("tests", report.checks.size()) +
                       number_attribute("failures", failures) + number_attribute("errors", 0);
  std::string properties = fmt::format(
      "    <properties>\n"
      "      <property{}{}/>\n      <property{}{}/>\n      <property{}{}/>\n"
      "    </properties>\n",
      attribute("name", "mlops.rules"), attribute("value", report.rules_file),
      attribute("name", "mlops.rows"), attribute("value", std::to_string(report.profile.rows)),
      attribute("name", "mlops.verdict"),
      attribute("value", report.rejected(info.strict) ? "rejected" : "accepted"));
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites{}{}{}>\n"
      "  <testsuite{}{}{}{}{}>\n{}{}  </testsuite>\n"
      "</testsuites>\n",
      attribute("name", "mlops data validate"), counts, attribute("time", time),
      attribute("name", report.source), counts, number_attribute("skipped", skipped),
      attribute("time", time),
      info.timestamp.empty() ? std::string() : attribute("timestamp", info.timestamp), properties,
      cases);
}

}  // namespace mlops
