// A run as JUnit XML, the format Jenkins' junit plugin and GitHub test reporters read: one
// <testsuite> for the run, one <testcase> per selected stage. A failed stage carries a <failure>
// with its stderr tail, an interrupted one an <error>, a cached or not-run one <skipped>; each
// points to its log in <system-out>. Valid against Jenkins' junit-10.xsd
// (tests/data/junit-10.xsd).
#pragma once

#include <filesystem>
#include <string>

#include "engine/run_report.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

struct JunitRunInfo {
  std::string run_id;
  std::string started_at;  // ISO 8601 UTC
  std::string hostname;
};

std::string junit_xml(const Pipeline& pipeline, const RunReport& report, const JunitRunInfo& info);

}  // namespace mlops
