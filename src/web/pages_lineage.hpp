// The UI's lineage page: "/lineage?path=FILE" (the newest recorded version of a workspace path,
// or an artifact id) and "/lineage?model=NAME@vN" (also NAME@ALIAS, or NAME:N) show what the
// artifact came from (`&direction=downstream`: what was made from it; `&depth=N`, default 10) as
// an SVG graph of artifact versions and stage executions, each execution linking to its run's
// page, with the JSON of `mlops lineage --json`. Paths are only looked up in the store, never
// read from disk. Nothing recorded under the path or model is a 404 page; "/lineage" alone lists
// the registered models' versions to start from.
#pragma once

#include <vector>

#include "web/page.hpp"

namespace mlops::web {

std::vector<Route> lineage_routes();

}  // namespace mlops::web
