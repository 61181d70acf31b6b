// `mlops report`: one run as one self-contained HTML file — inline CSS and SVG, no scripts, no
// network — that a browser, a CI artifact viewer or an email can show: the run's facts, the stage
// graph coloured by status, a timeline, artifacts with digests and sizes, metrics with their
// change against the previous run, and each metric's history.
#pragma once

#include <string>

#include "report/report_data.hpp"

namespace mlops {

std::string html_report(const ReportData& data, const std::string& generated_by);

}  // namespace mlops
