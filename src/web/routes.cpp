#include "web/routes.hpp"

#include "web/pages_features.hpp"
#include "web/pages_lineage.hpp"
#include "web/pages_pipelines.hpp"
#include "web/pages_registry.hpp"
#include "web/pages_runs.hpp"

namespace mlops::web {

std::vector<Route> all_routes() {
  std::vector<Route> routes = runs_routes();
  for (std::vector<Route> more : std::vector<std::vector<Route>>{
           // pages engineer: append your X_routes() calls here, one a line.
           lineage_routes(),
           pipelines_routes(),
           registry_routes(),
           features_routes(),
       }) {
    routes.insert(routes.end(), more.begin(), more.end());
  }
  return routes;
}

}  // namespace mlops::web
