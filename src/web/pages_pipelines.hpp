// The UI's pipelines pages. "/pipelines" lists the pipelines of the workspace (pipeline.yaml and
// pipelines/*.yaml, as `mlops trigger check` finds them, with or without triggers) and those
// known only from the store's runs: their stages, their triggers (kind and what each watches),
// the next times of their schedule triggers (`mlops trigger next`), and their newest run.
// "/pipelines/{name}" adds what `mlops trigger explain` says of each trigger. JSON:
// {"pipelines": [{"name", "file", "stages", "triggers": [{"kind", "key"}], "schedules" (as in
// `trigger next --json`), "last_run" (a run as in `runs --json`, or null), "errors"}]}; the
// detail page is one such entry plus "explain" (`trigger explain --json`'s shape, null without
// triggers or a store). An unknown name is a 404 page.
#pragma once

#include <vector>

#include "web/page.hpp"

namespace mlops::web {

std::vector<Route> pipelines_routes();

}  // namespace mlops::web
