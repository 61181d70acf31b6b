#include "web/pages_runs.hpp"

#include <limits>

#include <fmt/format.h>

#include "app/compare.hpp"
#include "app/experiments.hpp"
#include "app/experiments_json.hpp"
#include "app/queries.hpp"
#include "app/run_plots.hpp"
#include "report/plots.hpp"
#include "util/strings.hpp"
#include "util/xml_escape.hpp"
#include "web/pages_html.hpp"
#include "web/run_page.hpp"
#include "web/url.hpp"

namespace mlops::web {
namespace {

using html::error_page;

// list_runs' limit for every run (its 0 means none).
constexpr int k_every_run = std::numeric_limits<int>::max();

std::vector<std::string> query_values(const PageRequest& request, const std::string& key) {
  std::vector<std::string> values;
  auto [begin, end] = request.query.equal_range(key);
  for (auto it = begin; it != end; ++it) {
    if (!it->second.empty()) {
      values.push_back(it->second);
    }
  }
  return values;
}

std::optional<std::string> query_value(const PageRequest& request, const std::string& key) {
  auto values = query_values(request, key);
  return values.empty() ? std::nullopt : std::optional(values.front());
}

// The filter form, showing the filters and sort in effect.
std::string filter_form(const PageRequest& request) {
  std::string inputs;
  for (const std::string& filter : query_values(request, "filter")) {
    inputs +=
        fmt::format("<input type=\"text\" name=\"filter\" value=\"{}\"> ", xml_escape(filter));
  }
  inputs +=
      "<input type=\"text\" name=\"filter\" placeholder=\"metrics.auc&gt;0.8 or tag:team=churn\"> ";
  return fmt::format(
      "<form class=\"filters\" method=\"get\" action=\"{}\">Filter: {}Sort: <input type=\"text\" "
      "name=\"sort\" value=\"{}\" placeholder=\"-metrics.auc\"> <button>Apply</button></form>\n",
      xml_escape(request.links.to("/")), inputs,
      xml_escape(query_value(request, "sort").value_or("")));
}

// The query of this page with `page` replaced, for the pager's links.
std::string page_target(const PageRequest& request, int page) {
  std::string query;
  for (const auto& [key, value] : request.query) {
    if (key != "page") {
      query += (query.empty() ? "" : "&") + percent_encode(key) + "=" + percent_encode(value);
    }
  }
  if (page > 1) {
    query += (query.empty() ? "" : "&") + fmt::format("page={}", page);
  }
  return query.empty() ? "/" : "/?" + query;
}

std::string table_html(const ExperimentTable& table, const Links& links, size_t first,
                       size_t last) {
  std::string html = "<table id=\"runs\">\n<thead><tr>";
  for (const std::string& column : table.columns) {
    html += "<th>" + xml_escape(column) + "</th>";
  }
  html += "</tr></thead>\n<tbody>\n";
  for (size_t i = first; i < last; ++i) {
    const ExperimentRow& row = table.rows[i];
    html += fmt::format("<tr data-run=\"{}\">", xml_escape(row.run.id));
    for (const std::string& column : table.columns) {
      std::string cell = xml_escape(experiment_cell(row, column).value_or("-"));
      if (column == "id") {
        cell = fmt::format("<a href=\"{}\"><code>{}</code></a>",
                           xml_escape(links.to("/runs/" + percent_encode(row.run.id))), cell);
      } else if (column == "status") {
        cell = fmt::format("<span class=\"status {}\">{}</span>", cell, cell);
      }
      html += fmt::format("<td{}>{}</td>", table.changed.count(column) ? " class=\"changed\"" : "",
                          cell);
    }
    html += "</tr>\n";
  }
  return html + "</tbody>\n</table>\n";
}

Result<Page> runs_page(const PageRequest& request) {
  int page_number = 1;
  if (auto text = query_value(request, "page")) {
    page_number = std::max(1, std::atoi(text->c_str()));
  }
  ExperimentQuery query{query_value(request, "pipeline"),
                        query_value(request, "status"),
                        query_values(request, "filter"),
                        query_value(request, "sort"),
                        {},
                        true,
                        true,
                        0};
  if (query.filters.empty() && !query.sort) {
    // Newest first, as stored: only the rows up to this page (and one more, for "next").
    query.limit = page_number * k_runs_per_page + 1;
  }
  auto table = experiment_table(*request.workspace.store(), query);
  if (!table.ok()) {
    if (table.error().kind() == ErrorKind::Usage) {
      return error_page(400, "Runs", table.error().message());
    }
    return table.error();
  }
  size_t first =
      std::min(table->rows.size(), static_cast<size_t>(page_number - 1) * k_runs_per_page);
  size_t last = std::min(table->rows.size(), first + k_runs_per_page);
  Page page;
  page.title = "Runs";
  page.body = "<h1>Runs</h1>\n" + filter_form(request);
  if (table->rows.empty()) {
    page.body += "<p class=\"muted\" id=\"no-runs\">No runs match.</p>\n";
  } else {
    page.body += table_html(*table, request.links, first, last);
  }
  std::string pager = fmt::format("<span class=\"muted\">runs {}-{}</span> ", first + 1, last);
  if (page_number > 1) {
    pager += fmt::format("<a rel=\"prev\" href=\"{}\">previous</a>",
                         xml_escape(request.links.to(page_target(request, page_number - 1))));
  }
  if (table->rows.size() > last) {
    pager += fmt::format("<a rel=\"next\" href=\"{}\">next</a>",
                         xml_escape(request.links.to(page_target(request, page_number + 1))));
  }
  page.body += "<p class=\"pager\">" + pager + "</p>\n";
  ExperimentTable shown = *table;
  shown.rows.assign(table->rows.begin() + static_cast<std::ptrdiff_t>(first),
                    table->rows.begin() + static_cast<std::ptrdiff_t>(last));
  page.api = experiment_table_json(shown);
  return page;
}

Result<std::vector<std::string>> runs_export_list(Workspace& workspace) {
  MLOPS_TRY(runs, workspace.store()->list_runs(RunFilter{std::nullopt, std::nullopt, k_every_run}));
  std::vector<std::string> paths = {"/"};
  for (size_t page = 2; (page - 1) * k_runs_per_page < runs->size(); ++page) {
    paths.push_back(fmt::format("/?page={}", page));
  }
  return paths;
}

Result<std::vector<std::string>> run_pages_export_list(Workspace& workspace) {
  MLOPS_TRY(runs, workspace.store()->list_runs(RunFilter{std::nullopt, std::nullopt, k_every_run}));
  std::vector<std::string> paths;
  for (const RunRecord& run : *runs) {
    paths.push_back("/runs/" + percent_encode(run.id));
  }
  return paths;
}

// The compared runs' plots overlaid, one figure per plots file (as `mlops plots` draws them:
// from the cache by the recorded digests); nothing when none of the runs recorded plots.
std::string compared_plots_html(const PageRequest& request, const RunComparison& comparison) {
  if (comparison.plots.empty())
    return "";
  Workspace& workspace = request.workspace;
  auto figures =
      gather_run_plots(*workspace.store(), workspace.objects(), workspace.root(), comparison.runs);
  if (!figures.ok()) {
    return "<h2>Plots</h2>\n<p class=\"error\">" + xml_escape(figures.error().message()) + "</p>\n";
  }
  std::string html = std::string("<h2>Plots</h2>\n<style>") + plot_css() + "</style>\n";
  for (const PlotFigure& figure : *figures)
    html += plot_figure_html(figure.options, figure.runs);
  return html;
}

Result<Page> compare_page(const PageRequest& request) {
  std::vector<std::string> names;
  for (const std::string& list : query_values(request, "runs")) {
    for (const std::string& name : split(list, ',')) {
      if (!name.empty()) {
        names.push_back(name);
      }
    }
  }
  std::string form = fmt::format(
      "<form method=\"get\" action=\"{}\">Runs: <input type=\"text\" name=\"runs\" value=\"{}\" "
      "placeholder=\"latest~1,latest\"> <button>Compare</button></form>\n",
      xml_escape(request.links.to("/compare")), xml_escape(join(names, ",")));
  if (names.size() < 2) {
    Page page;
    page.title = "Compare";
    page.body = "<h1>Compare runs</h1>\n" + form +
                "<p class=\"muted\">Name two or more runs: ids, prefixes, names, latest~N.</p>\n";
    page.api = {{"error", "name at least two runs: /compare?runs=A,B"}};
    page.status = names.empty() ? 200 : 400;
    return page;
  }
  auto comparison = compare_runs(*request.workspace.store(), names);
  if (!comparison.ok()) {
    ErrorKind kind = comparison.error().kind();
    if (kind == ErrorKind::Usage || kind == ErrorKind::NotFound) {
      return error_page(kind == ErrorKind::NotFound ? 404 : 400, "Compare",
                        comparison.error().message());
    }
    return comparison.error();
  }
  Page page;
  page.title = "Compare";
  page.body = "<h1>Compare runs</h1>\n" + form + comparison_html(*comparison, request.links) +
              compared_plots_html(request, *comparison);
  page.api = comparison_json(*comparison);
  return page;
}

}  // namespace

std::vector<Route> runs_routes() {
  return {
      {"/", "Runs", runs_page, runs_export_list},
      {"/runs/{id}", "", run_page, run_pages_export_list},
      {"/compare", "Compare", compare_page,
       [](Workspace&) -> Result<std::vector<std::string>> {
         return std::vector<std::string>{"/compare"};
       }},
  };
}

}  // namespace mlops::web
