// The HTTP server under `mlops ui`: one small interface over cpp-httplib (wrapped in
// http_server.cpp only), so the rest of web/ sees plain requests and responses and never
// httplib's types. The server does no routing and serves no files: every request goes to the one
// handler, which answers from what it generates.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace mlops::web {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: "/runs/abc?x=1", percent-encoding kept
  std::string host;    // the Host header ("" when missing)
};

// Writes one piece of a streamed body; false once the client has gone.
using StreamSink = std::function<bool(const std::string& data)>;
// Produces a streamed body: called again and again (on the connection's thread) until it
// returns false. It may block a little (e.g. poll every 300 ms) but must return soon after
// HttpServer::stop() so stopping is prompt.
using StreamProducer = std::function<bool(const StreamSink& sink)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  StreamProducer stream;  // set: the body is sent chunked from it instead of `body`
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Every request goes to `handler` (from several threads at once; `threads` of them).
  void set_handler(HttpHandler handler, int threads);
  // Binds `host` (an address, not a name to resolve) at `port`, 0 for a free port; returns the
  // port. Io (saying which address and why) when it cannot bind.
  Result<int> bind(const std::string& host, int port);
  // Accepts connections until stop(); Io when listening fails.
  Status serve();
  // Stops accepting and closes idle connections; safe from any thread. Streams end when their
  // producers return false.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace mlops::web
