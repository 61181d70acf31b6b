#include "web/site.hpp"

#include <random>

#include <fmt/format.h>

#include "util/json_text.hpp"
#include "util/xml_escape.hpp"
#include "web/live.hpp"
#include "web/url.hpp"

namespace mlops::web {
namespace {

constexpr const char* k_style = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 0; } main { max-width: 1200px; margin: 16px auto; padding: 0 16px; }
nav { background: #24292f; padding: 8px 16px; } nav a { color: #fff; margin-right: 16px;
       text-decoration: none; } nav a.brand { font-weight: 600; } nav a:hover { text-decoration: underline; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { padding: 3px 10px; text-align: left;
       border-bottom: 1px solid #eaeef2; vertical-align: top; } th { background: #f6f8fa; }
td.changed { background: #fff8c5; } .num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
pre.log { background: #f6f8fa; padding: 6px; max-height: 240px; overflow: auto; margin: 0;
       white-space: pre-wrap; } .muted { color: #57606a; } .error { color: #cf222e; }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; background: #8c959f; }
.status.succeeded { background: #1a7f37; } .status.failed, .status.rejected { background: #cf222e; }
.status.running { background: #0969da; } .status.cached, .status.not-run { background: #d0d7de; color: #1f2328; }
.status.interrupted, .status.cancelled { background: #9a6700; }
form.filters input[type=text] { width: 22em; } .pager a { margin-right: 12px; }
)css";

std::string random_nonce() {
  std::random_device device;
  return fmt::format("{:08x}{:08x}{:08x}", device(), device(), device());
}

// The route whose pattern matches `segments`, with its parameters.
const Route* match_route(const std::vector<Route>& routes, const std::vector<std::string>& segments,
                         std::map<std::string, std::string>& params) {
  for (const Route& route : routes) {
    auto pattern = parse_target(route.pattern);
    if (!pattern || pattern->segments.size() != segments.size()) {
      continue;
    }
    std::map<std::string, std::string> found;
    bool matched = true;
    for (size_t i = 0; i < segments.size() && matched; ++i) {
      const std::string& part = pattern->segments[i];
      if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
        found[part.substr(1, part.size() - 2)] = segments[i];
      } else {
        matched = part == segments[i];
      }
    }
    if (matched) {
      params = std::move(found);
      return &route;
    }
  }
  return nullptr;
}

HttpResponse text_response(int status, const std::string& text) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = text;
  response.headers = security_headers("");
  return response;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> security_headers(const std::string& script_nonce) {
  std::string scripts = script_nonce.empty() ? "'none'" : "'nonce-" + script_nonce + "'";
  return {{"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "no-referrer"},
          {"Cache-Control", "no-store"},
          {"Content-Security-Policy",
           "default-src 'none'; script-src " + scripts +
               "; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"}};
}

Site::Site(Workspace& workspace, std::vector<Route> routes, SiteLimits limits)
    : m_workspace(workspace), m_routes(std::move(routes)), m_limits(limits) {}

Result<Page> Site::render(const std::string& target, const Links& links) {
  auto parsed = parse_target(target);
  std::map<std::string, std::string> params;
  const Route* route = parsed ? match_route(m_routes, parsed->segments, params) : nullptr;
  if (!route) {
    return Error(ErrorKind::NotFound, "no page " + target);
  }
  std::lock_guard lock(m_store_mutex);
  PageRequest request{m_workspace, std::move(params), parsed->query, links};
  return route->handler(request);
}

std::string Site::document(const Page& page, const Links& links, const std::string& script_nonce) {
  std::string nav =
      fmt::format("<a class=\"brand\" href=\"{}\">mlops</a>", xml_escape(links.to("/")));
  for (const Route& route : m_routes) {
    if (!route.nav.empty()) {
      nav += fmt::format("<a href=\"{}\">{}</a>", xml_escape(links.to(route.pattern)),
                         xml_escape(route.nav));
    }
  }
  std::string script;
  if (!script_nonce.empty()) {
    script = fmt::format("<script nonce=\"{}\">{}</script>\n", script_nonce, live_script());
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{} - mlops</title>\n<style>{}</style>\n</head>\n<body>\n<nav>{}</nav>\n"
      "<main>\n{}</main>\n{}</body>\n</html>\n",
      xml_escape(page.title), k_style, nav, page.body, script);
}

HttpResponse Site::answer(const std::string& target, const std::atomic<bool>& stopping) {
  auto parsed = parse_target(target);
  if (!parsed) {
    return text_response(404, "404 not found\n");
  }
  const auto& segments = parsed->segments;
  if (segments.size() == 3 && segments[0] == "events" && segments[1] == "runs") {
    return answer_event_stream(segments[2], stopping);
  }
  bool api = !segments.empty() && segments[0] == "api";
  std::string page_target = target;
  if (api) {
    size_t question = target.find('?');
    std::string rest =
        target.substr(4, question == std::string::npos ? std::string::npos : question - 4);
    page_target = (rest.empty() ? "/" : rest) +
                  (question == std::string::npos ? "" : target.substr(question));
  }
  auto page = render(page_target, Links{});
  if (!page.ok()) {
    return text_response(page.error().kind() == ErrorKind::NotFound ? 404 : 500,
                         page.error().kind() == ErrorKind::NotFound
                             ? "404 not found\n"
                             : "500 " + page.error().message() + "\n");
  }
  HttpResponse response;
  response.status = page->status;
  if (api) {
    response.content_type = "application/json";
    response.body = json_text(page->api, 2) + "\n";
    response.headers = security_headers("");
    return response;
  }
  std::string nonce = random_nonce();
  response.body = document(*page, Links{}, nonce);
  response.headers = security_headers(nonce);
  return response;
}

HttpResponse Site::answer_event_stream(const std::string& run, const std::atomic<bool>& stopping) {
  if (m_live_clients.load() >= m_limits.max_live_clients) {
    return text_response(503, "503 too many live pages open; close some and reload\n");
  }
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.headers = security_headers("");
  auto stream = std::make_shared<LiveRunStream>(*this, run);
  int open = ++m_live_clients;
  if (m_limits.live_client_opened) {
    m_limits.live_client_opened(run, open);
  }
  auto counted = std::shared_ptr<void>(nullptr, [this](void*) { --m_live_clients; });
  response.stream = [stream, counted, &stopping](const StreamSink& sink) {
    return stream->next(sink, stopping);
  };
  return response;
}

}  // namespace mlops::web
