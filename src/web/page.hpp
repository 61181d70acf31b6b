#pragma once

// The contract between `mlops ui`'s server (web/server.cpp, web/routes.cpp) and its pages. A page
// is a pure function of the store's contents: it reads through app/ (never the CLI), returns an
// escaped HTML fragment the server puts in its layout, and the same data as JSON, which the
// server serves under /api/... (the shapes of the matching CLI command's --json). The same
// handlers write the static site of `mlops ui --export DIR`, where links are relative files.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/workspace.hpp"
#include "util/error.hpp"

namespace mlops::web {

// How a page writes links: to the server ("/runs/ID") or, in an export, to relative files
// ("runs/ID.html" from the site's root; `root` is "../" from a page one level down).
struct Links {
  bool exported = false;
  std::string root;  // prefix from the current page to the site's root ("" on the server: "/")
  // A link to the page at `path` ("/runs/ID"), with the query already encoded when it has one.
  std::string to(const std::string& path) const;
};

struct PageRequest {
  Workspace& workspace;                           // its store opened for reading only
  std::map<std::string, std::string> params;      // from the route pattern: {"id": "…"}
  std::multimap<std::string, std::string> query;  // decoded query string (filters, page)
  Links links;
};

struct Page {
  int status = 200;    // 404 for an unknown run, model, group; 400 for a bad filter
  std::string title;   // plain text; the server escapes it
  std::string body;    // HTML fragment, every user-supplied byte escaped (xml_escape)
  nlohmann::json api;  // the same data, served as /api/<path>
};

using PageHandler = std::function<Result<Page>(const PageRequest&)>;

// One page: `pattern` is a path with {name} parameters ("/runs/{id}"); its JSON is served at
// "/api" + pattern. `nav` names it in the navigation bar (empty: not listed there).
// `export_list` gives, for `--export`, every concrete path of the page (one per run, model...).
struct Route {
  std::string pattern;
  std::string nav;
  PageHandler handler;
  std::function<Result<std::vector<std::string>>(Workspace&)> export_list;
};

}  // namespace mlops::web
