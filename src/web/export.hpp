// `mlops ui --export DIR`: every page of every route (Route::export_list) written as a static
// site: DIR/index.html, DIR/runs/ID.html ..., with relative links, plus each page's JSON as
// DIR/api/....json. The site is built in a temporary directory beside DIR and renamed into
// place, so DIR is either the previous export or the new one. A DIR that exists must be empty or
// hold a previous export (the marker file .mlops-ui-export): nothing else is ever replaced.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "util/error.hpp"
#include "web/site.hpp"

namespace mlops::web {

struct ExportSummary {
  size_t pages = 0;
  size_t skipped = 0;  // pages whose path could not be a file name (said through `warn`)
};

// Usage when DIR is a non-empty directory without the marker, or not a directory; Io when
// writing fails (nothing half-written stays at DIR).
Result<ExportSummary> export_site(Site& site, const std::filesystem::path& dir,
                                  const std::function<void(const std::string&)>& warn);

// The file (relative to the site's root) of the page at `target` ("/runs/a?x=1" ->
// "runs/a_x-1.html"); `target` keeps its percent-encoding, as a browser reads relative links.
std::string export_file(const std::string& target);

}  // namespace mlops::web
