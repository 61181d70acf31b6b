// The report's pictures, as inline SVG (no scripts, no external resources): the stage graph
// coloured by status, the timeline of stage starts and ends, and a metric's history.
#pragma once

#include <string>
#include <vector>

#include "report/report_data.hpp"

namespace mlops {

// The fill colour for a stage status (shared with the page's legend and tables).
const char* status_colour(const std::string& status);

// Layered left-to-right layout: a stage's column is the length of the longest chain before it.
std::string dag_svg(const ReportData& data);

// One bar per stage that ran, on a common time axis.
std::string timeline_svg(const ReportData& data);

// The values of one metric over runs, the current run marked.
std::string metric_history_svg(const std::string& name, const std::vector<MetricRecord>& values,
                               const std::string& current_run);

}  // namespace mlops
