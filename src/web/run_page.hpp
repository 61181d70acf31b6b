// The body of a run's page and of a comparison (web/pages_runs.hpp). A run's page is the HTML
// report's content (report/html_report.hpp, so it shows whatever the report shows) after a
// table of stages with their status and log tail, which the page's script updates live.
#pragma once

#include "app/compare.hpp"
#include "web/page.hpp"

namespace mlops::web {

Result<Page> run_page(const PageRequest& request);

std::string comparison_html(const RunComparison& comparison, const Links& links);

}  // namespace mlops::web
