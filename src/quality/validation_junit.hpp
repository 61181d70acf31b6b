// A validation as a JUnit XML file, so that Jenkins, GitLab and GitHub test reporters show the
// checks natively: one <testsuite> for the data file, one <testcase> per check (name: the check
// id; classname: mlops.data.validate).
//
// - a failed error-level check (and, with `strict`, a failed warning) is a <failure> whose
//   message is the check's summary (measured value and threshold) and whose text lists the
//   failing rows with their line numbers;
// - a failed warning without `strict` passes, with the same text in <system-out> ("warning: ...");
// - a skipped check (a history check without history) is <skipped> with the reason.
// The document validates against Jenkins' xunit schema (shared/reference/junit-10.xsd).
#pragma once

#include <string>

#include "quality/validation.hpp"

namespace mlops {

struct JunitValidationInfo {
  double seconds = 0;     // how long the validation took
  std::string timestamp;  // ISO 8601, when it started ("" to leave it out)
  bool strict = false;
};

std::string validation_junit_xml(const ValidationReport& report, const JunitValidationInfo& info);

// The first `limit` failing rows of a check as text lines: "line 17: age=130", "line 40: 3
// fields, expected 5", with "... and N more failing rows" when it failed on more.
std::string failing_rows_text(const CheckResult& result, size_t limit = k_failing_rows_kept);

}  // namespace mlops
