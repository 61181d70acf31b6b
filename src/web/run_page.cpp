#include "web/run_page.hpp"

#include <fmt/format.h>

#include "app/experiments_json.hpp"
#include "app/log_tail.hpp"
#include "app/queries.hpp"
#include "app/report_data.hpp"
#include "report/html_report.hpp"
#include "util/xml_escape.hpp"
#include "web/url.hpp"

namespace mlops::web {
namespace {

constexpr size_t k_page_log_bytes = 8192;

std::string badge(const std::string& status, const std::string& attributes) {
  std::string css = status == "not run" ? "not-run" : status;
  return fmt::format("<span class=\"status {}\" data-status=\"{}\"{}>{}</span>", xml_escape(css),
                     xml_escape(status), attributes, xml_escape(status));
}

// The report's own <style> and the inside of its <body>: the report stays one function, and
// the page shows whatever it grows to show.
std::string report_fragment(const ReportData& data) {
  std::string report = html_report(data, "mlops ui");
  std::string out;
  size_t style = report.find("<style>");
  size_t style_end = report.find("</style>");
  if (style != std::string::npos && style_end != std::string::npos) {
    std::string css = report.substr(style, style_end + 8 - style);
    if (size_t body_rule = css.find("body {"); body_rule != std::string::npos) {
      css.replace(body_rule, 4, ".report");  // the report's page margins stay inside its section
    }
    out += css + "\n";
  }
  size_t body = report.find("<body>");
  size_t body_end = report.rfind("</body>");
  if (body != std::string::npos && body_end != std::string::npos) {
    out += "<section class=\"report\">" + report.substr(body + 6, body_end - body - 6) +
           "</section>\n";
  }
  return out;
}

std::string stages_html(const PageRequest& request, const RunDetails& details) {
  std::map<std::string, const ExecutionRecord*> last;  // the last attempt of each stage
  std::vector<std::string> order;
  for (const ExecutionRecord& execution : details.executions) {
    if (!last.count(execution.stage)) {
      order.push_back(execution.stage);
    }
    last[execution.stage] = &execution;
  }
  std::string rows;
  std::vector<std::string> secrets = run_log_secrets(request.workspace, details.run.pipeline_file);
  for (const std::string& stage : order) {
    const ExecutionRecord& execution = *last[stage];
    auto tail = log_tail(request.workspace, execution, k_page_log_bytes, secrets);
    std::string status = execution.cached ? "cached" : execution.status;
    std::string attribute = " data-stage-status=\"" + xml_escape(stage) + "\"";
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><pre class=\"log\" data-stage-log=\"{}\">{}</pre>{}</td>"
        "</tr>\n",
        xml_escape(stage), badge(status, attribute), xml_escape(stage),
        xml_escape(tail.ok() ? *tail : ""),
        tail.ok() ? "" : "<p class=\"error\">" + xml_escape(tail.error().message()) + "</p>");
  }
  return "<h2>Stages and logs</h2>\n<table>\n<thead><tr><th>stage</th><th>status</th>"
         "<th>log (end)</th></tr></thead>\n<tbody id=\"live-stages\">\n" +
         rows + "</tbody>\n</table>\n";
}

// Its tags and note, which the report does not show.
std::string labels_html(const RunRecord& run) {
  std::string html;
  if (!run.tags.empty()) {
    html += "<p>Tags:";
    for (const auto& [key, value] : run.tags) {
      html += " <code class=\"tag\">" + xml_escape(key + "=" + value) + "</code>";
    }
    html += "</p>\n";
  }
  if (run.note) {
    html += "<p>Note:</p>\n<pre class=\"note\">" + xml_escape(*run.note) + "</pre>\n";
  }
  return html;
}

}  // namespace

Result<Page> run_page(const PageRequest& request) {
  MetadataStore& store = *request.workspace.store();
  const std::string& name = request.params.at("id");
  auto id = resolve_run(store, name);
  if (!id.ok()) {
    Page page;
    page.status = id.error().kind() == ErrorKind::NotFound ? 404 : 400;
    page.title = "Run not found";
    page.body =
        "<h1>Run not found</h1>\n<p class=\"error\">" + xml_escape(id.error().message()) + "</p>\n";
    page.api = {{"error", id.error().message()}};
    return page;
  }
  MLOPS_TRY(details, run_details(store, *id));
  // The workspace overload: what `mlops report` shows, plots, params and failed stages' logs
  // included.
  MLOPS_TRY(data, gather_report_data(request.workspace, *id));
  const RunRecord& run = details->run;
  std::string events =
      request.links.exported ? "" : " data-events=\"/events/runs/" + percent_encode(run.id) + "\"";
  Page page;
  page.title = "Run " + run.id;
  page.body = fmt::format(
      "<h1>Run <code>{}</code>{}</h1>\n<p>Status: {} <span class=\"muted\">pipeline {} - "
      "started {}</span></p>\n",
      xml_escape(run.id), run.name ? " " + xml_escape(*run.name) : "",
      badge(run.status, " id=\"run-status\"" + events), xml_escape(run.pipeline),
      xml_escape(run.started_at));
  page.body += labels_html(run) + stages_html(request, *details) + report_fragment(*data);
  page.api = run_details_json(*details);
  return page;
}

std::string comparison_html(const RunComparison& comparison, const Links& links) {
  std::string head = "<tr><th>field</th>";
  for (const RunRecord& run : comparison.runs) {
    head += fmt::format("<th><a href=\"{}\"><code>{}</code></a>{}</th>",
                        xml_escape(links.to("/runs/" + percent_encode(run.id))), xml_escape(run.id),
                        run.name ? "<br>" + xml_escape(*run.name) : "");
  }
  head += "</tr>\n";
  std::string rows;
  auto add_rows = [&](const std::string& prefix,
                      const std::map<std::string, ValuesByRun<std::string>>& fields) {
    for (const auto& [field, values] : fields) {
      rows += "<tr><td>" + xml_escape(prefix + field) + "</td>";
      for (size_t i = 0; i < values.size(); ++i) {
        rows +=
            fmt::format("<td{}>{}</td>", i > 0 && differs(values, i) ? " class=\"changed\"" : "",
                        xml_escape(values[i].value_or("-")));
      }
      rows += "</tr>\n";
    }
  };
  add_rows("params.", comparison.params);
  for (const auto& [key, values] : comparison.metrics) {
    rows += "<tr><td>" + xml_escape("metrics." + key) + "</td>";
    for (size_t i = 0; i < values.size(); ++i) {
      std::string cell = values[i] ? fmt::format("{:g}", *values[i]) : "-";
      if (i > 0 && values[i] && values[0]) {
        cell += fmt::format(" ({:+g})", *values[i] - *values[0]);
      }
      rows += fmt::format("<td class=\"num{}\">{}</td>",
                          i > 0 && differs(values, i) ? " changed" : "", xml_escape(cell));
    }
    rows += "</tr>\n";
  }
  add_rows("outputs.", comparison.outputs);
  return "<table id=\"comparison\">\n<thead>" + head + "</thead>\n<tbody>\n" + rows +
         "</tbody>\n</table>\n";
}

}  // namespace mlops::web
