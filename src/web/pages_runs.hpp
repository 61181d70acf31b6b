// The UI's pages about runs: the experiments table at "/" (app/experiments.hpp; the query
// parameters `filter` (repeatable), `sort`, `pipeline`, `status` as `mlops runs --params
// --metrics` takes them, and `page`, 50 runs a page), a run at "/runs/{id}" (what `mlops report`
// shows, its stages' log tails, live while it runs: web/live.hpp), and "/compare?runs=A,B"
// (app/compare.hpp). Their JSON is `runs --json`'s, `show --json`'s and `compare --json`'s.
#pragma once

#include <vector>

#include "web/page.hpp"

namespace mlops::web {

std::vector<Route> runs_routes();

constexpr int k_runs_per_page = 50;

}  // namespace mlops::web
