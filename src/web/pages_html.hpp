// Small HTML helpers shared by the lineage, pipelines, registry and feature-group pages: every
// function escapes what it is given (xml_escape), so a page builds markup only from these and
// literal tags. Header-only; nothing here reads the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "util/xml_escape.hpp"
#include "web/page.hpp"
#include "web/url.hpp"

namespace mlops::web::html {

// Text as HTML (also safe inside a double-quoted attribute value).
inline std::string text(const std::string& value) {
  return xml_escape(value);
}

// <a href="LINK">TEXT</a>, the link built by `links` from a server path whose variable parts the
// caller percent-encoded (segment()).
inline std::string link(const Links& links, const std::string& path, const std::string& label) {
  return fmt::format("<a href=\"{}\">{}</a>", xml_escape(links.to(path)), xml_escape(label));
}

// A user-supplied name as one path segment or query value.
inline std::string segment(const std::string& name) {
  return percent_encode(name);
}

// The first value of a query parameter.
inline std::optional<std::string> query_value(const PageRequest& request, const std::string& key) {
  auto it = request.query.find(key);
  return it == request.query.end() ? std::nullopt : std::optional(it->second);
}

// A table: headers are literal text, cells already HTML (escaped by the caller).
inline std::string table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::string& id = "") {
  std::string out = id.empty() ? "<table>" : "<table id=\"" + xml_escape(id) + "\">";
  out += "\n<thead><tr>";
  for (const auto& header : headers) {
    out += "<th>" + xml_escape(header) + "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row) {
      out += "<td>" + cell + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

// A run's status as the layout's badge.
inline std::string status_badge(const std::string& status) {
  return fmt::format("<span class=\"status {}\">{}</span>", xml_escape(status), xml_escape(status));
}

// The page for a name nothing is recorded under, or a request that names nothing usable.
inline Page error_page(int status, const std::string& title, const std::string& message) {
  Page page;
  page.status = status;
  page.title = title;
  page.body = fmt::format("<h1>{}</h1>\n<p class=\"error\">{}</p>\n", xml_escape(title),
                          xml_escape(message));
  page.api = {{"error", message}};
  return page;
}

// A page with nothing to show yet: what to do instead of an error.
inline std::string empty_state(const std::string& message) {
  return "<p class=\"empty muted\">" + xml_escape(message) + "</p>\n";
}

}  // namespace mlops::web::html
