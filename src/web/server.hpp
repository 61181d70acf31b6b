// `mlops ui`: serves the site (web/site.hpp) over HTTP until SIGINT, SIGTERM or SIGHUP.
//
// Security: it binds 127.0.0.1 unless the caller names another address; bound to a loopback
// address it answers only requests whose Host header names that address or localhost (a page
// elsewhere cannot reach it through DNS rebinding); it is read-only (GET and HEAD; other methods
// get 405); it serves only what it generates (web/url.hpp refuses traversal before routing).
#pragma once

#include <functional>
#include <string>

#include "app/workspace.hpp"
#include "util/error.hpp"

namespace mlops::web {

struct UiOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: a free port
};

struct UiEvents {
  std::function<void(const std::string& url)> listening;  // once bound
  std::function<void(const std::string& message)> warning;
  std::function<void(const std::string& message)> info;  // a page subscribed to live updates
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1) or "localhost".
bool is_loopback(const std::string& host);

// Whether a request's Host header may reach a server bound to loopback address `host` at `port`:
// 127.0.0.1, localhost, [::1] or `host` itself, with that port or none.
bool allowed_host_header(const std::string& header, const std::string& host, int port);

// Serves until a signal; returns the signal's number. Usage for a host that is not an address;
// Io when it cannot bind.
Result<int> serve_ui(Workspace& workspace, const UiOptions& options, const UiEvents& events);

}  // namespace mlops::web
