// The UI's model registry pages (docs/registry.md): "/models" lists every model (`mlops models
// list --json`'s shape), "/models/{name}" shows its versions with their aliases, tags and newest
// gate verdict, and the history of its aliases (`models show --json`'s shape with the moves of
// `models history --json` under "history"; `?all=1` lists every version, else the newest 20).
// An unknown model is a 404 page.
#pragma once

#include <vector>

#include "web/page.hpp"

namespace mlops::web {

std::vector<Route> registry_routes();

}  // namespace mlops::web
