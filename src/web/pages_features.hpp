// The UI's feature-group pages (docs/feature-store.md): "/feature-groups" lists the groups stored
// in the workspace (`mlops fg list --json`'s shape), "/feature-groups/{name}" shows a group's
// newest version (`?version=N` another): its schema and recent commits (`fg show --json`'s shape,
// `?commits=N`, default 20) and the statistics of its newest commit (`fg stats --json`'s shape
// under "statistics", null before the first commit). An unknown group is a 404 page. Groups are
// read from their files under .mlops/ (features/group_store.hpp), never written.
#pragma once

#include <vector>

#include "web/page.hpp"

namespace mlops::web {

std::vector<Route> features_routes();

}  // namespace mlops::web
