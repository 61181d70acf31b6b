// The one file that uses cpp-httplib (Debian libcpp-httplib-dev 0.11). What it is told to use:
// a handler for GET and HEAD of any path (no regex routes, no mount points: nothing is served
// from disk), 405 for the other methods httplib knows, a thread pool of a given size, short
// keep-alive so stop() does not wait long for idle connections, and chunked bodies for streams.
#include "web/http_server.hpp"

#include <httplib.h>

#include <fmt/format.h>

namespace mlops::web {

struct HttpServer::Impl {
  httplib::Server server;
  HttpHandler handler;
};

namespace {

void answer(const HttpHandler& handler, const httplib::Request& request,
            httplib::Response& response) {
  HttpRequest plain{request.method, request.target, request.get_header_value("Host")};
  HttpResponse out = handler(plain);
  response.status = out.status;
  for (const auto& [name, value] : out.headers) {
    response.set_header(name, value);
  }
  if (!out.stream) {
    response.set_content(out.body, out.content_type);
    return;
  }
  response.set_chunked_content_provider(
      out.content_type, [producer = std::move(out.stream)](size_t, httplib::DataSink& sink) {
        bool more = producer([&sink](const std::string& data) {
          return sink.is_writable() && sink.write(data.data(), data.size());
        });
        if (!more) {
          sink.done();
        }
        return true;
      });
}

}  // namespace

HttpServer::HttpServer() : m_impl(std::make_unique<Impl>()) {
  m_impl->server.set_keep_alive_timeout(1);
  m_impl->server.set_read_timeout(5);
  m_impl->server.set_write_timeout(5);
  m_impl->server.set_payload_max_length(64 * 1024);
}

HttpServer::~HttpServer() = default;

void HttpServer::set_handler(HttpHandler handler, int threads) {
  m_impl->handler = std::move(handler);
  size_t count = static_cast<size_t>(threads);
  m_impl->server.new_task_queue = [count] { return new httplib::ThreadPool(count); };
  const HttpHandler& h = m_impl->handler;
  auto get = [&h](const httplib::Request& request, httplib::Response& response) {
    answer(h, request, response);
  };
  auto refuse = [](const httplib::Request&, httplib::Response& response) {
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_content("405 method not allowed: this server is read-only\n",
                         "text/plain; charset=utf-8");
  };
  // [\s\S]: a decoded path may hold any byte, a newline included; the handler decides.
  const std::string any = R"([\s\S]*)";
  // Before httplib reads a body (it answers 400 to a body-less POST otherwise): every method
  // but GET and HEAD is refused here.
  m_impl->server.set_pre_routing_handler(
      [refuse](const httplib::Request& request, httplib::Response& response) {
        if (request.method == "GET" || request.method == "HEAD") {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        refuse(request, response);
        response.set_header("Connection", "close");  // its body, if any, was not read
        return httplib::Server::HandlerResponse::Handled;
      });
  m_impl->server.Get(any, get);
}

Result<int> HttpServer::bind(const std::string& host, int port) {
  int bound = port;
  if (port == 0) {
    bound = m_impl->server.bind_to_any_port(host);
  } else if (!m_impl->server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    return Error(ErrorKind::Io, fmt::format("cannot listen on {} port {}: the address is in use "
                                            "or not one of this machine's",
                                            host, port));
  }
  return bound;
}

Status HttpServer::serve() {
  if (!m_impl->server.listen_after_bind()) {
    return Error(ErrorKind::Io, "the web server stopped accepting connections");
  }
  return Status::success();
}

void HttpServer::stop() {
  m_impl->server.stop();
}

}  // namespace mlops::web
