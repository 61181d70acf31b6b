// Every page of `mlops ui`, in navigation order: the runs pages (web/pages_runs.hpp) and the
// lineage, pipelines, model registry and feature group pages.
#pragma once

#include <vector>

#include "web/page.hpp"

namespace mlops::web {

std::vector<Route> all_routes();

}  // namespace mlops::web
