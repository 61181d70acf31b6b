// The UI's site: the routes (web/routes.hpp) behind one request handler, shared by the server
// (web/server.hpp) and the static export (web/export.hpp). It owns no sockets: given a request
// target it answers with a generated page, its JSON under /api/..., a live event stream under
// /events/..., or 404. Nothing is read from disk but the store and a run's logs (checked to be
// inside the workspace's log directory).
//
// Thread safety: answer() may be called from several threads; the store is one connection, so
// every page holds store_mutex() while it reads.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "app/workspace.hpp"
#include "web/http_server.hpp"
#include "web/page.hpp"

namespace mlops::web {

struct SiteLimits {
  int max_live_clients = 8;  // event streams open at once; more get 503
  // Told when a page subscribes to a run's live updates (with the streams now open).
  std::function<void(const std::string& run, int open)> live_client_opened;
};

class Site {
 public:
  Site(Workspace& workspace, std::vector<Route> routes, SiteLimits limits = {});

  // A GET or HEAD of `target` (as sent, percent-encoded). `stopping` ends event streams.
  HttpResponse answer(const std::string& target, const std::atomic<bool>& stopping);

  // The page at `target` rendered for `links` (the export): its status, title, body and JSON.
  // NotFound when no route matches.
  Result<Page> render(const std::string& target, const Links& links);
  // The whole HTML document around a page (navigation, style, and for `live_script` the script).
  std::string document(const Page& page, const Links& links, const std::string& script_nonce);

  const std::vector<Route>& routes() const { return m_routes; }
  Workspace& workspace() { return m_workspace; }
  std::mutex& store_mutex() { return m_store_mutex; }
  // Event streams open now (for tests and the server's message).
  int live_clients() const { return m_live_clients.load(); }

 private:
  HttpResponse answer_event_stream(const std::string& run, const std::atomic<bool>& stopping);
  Workspace& m_workspace;
  std::vector<Route> m_routes;
  SiteLimits m_limits;
  std::mutex m_store_mutex;
  std::atomic<int> m_live_clients{0};
};

// The headers every response carries: no sniffing, no framing, a Content-Security-Policy that
// allows nothing from elsewhere (scripts only with `script_nonce`, when not empty), no caching.
std::vector<std::pair<std::string, std::string>> security_headers(const std::string& script_nonce);

}  // namespace mlops::web
