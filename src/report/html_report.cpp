#include "report/html_report.hpp"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/gate_check.hpp"
#include "report/plots.hpp"
#include "report/svg.hpp"
#include "util/strings.hpp"
#include "util/time_format.hpp"
#include "util/xml_escape.hpp"

namespace mlops {
namespace {

constexpr const char* k_style = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px;
       border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { padding: 3px 10px; text-align: left;
       border-bottom: 1px solid #eaeef2; vertical-align: top; } th { background: #f6f8fa; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; }
.status.cached, .status.not-run { color: #1f2328; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.up { color: #1a7f37; } .down { color: #cf222e; }
svg text { font: 12px system-ui, sans-serif; } svg .axis { fill: #57606a; font-size: 11px; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; } .plot { border: 1px solid #d0d7de;
       border-radius: 6px; padding: 6px; } .plot h3 { font-size: 13px; margin: 0 0 4px; }
.legend span { margin-right: 12px; } .muted { color: #57606a; }
pre.log-tail { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px;
       overflow-x: auto; max-height: 480px; font-size: 12px; white-space: pre-wrap; }
)css";

std::string badge(const std::string& status) {
  std::string css = status == "not run" ? "not-run" : status;
  return fmt::format("<span class=\"status {}\" style=\"background:{}\">{}</span>", xml_escape(css),
                     status_colour(status), xml_escape(status));
}

std::string facts(const ReportData& data) {
  const RunRecord& run = data.run;
  std::string cause = xml_escape(run.cause);
  auto detail = nlohmann::json::parse(run.cause_detail.value_or(""), nullptr, false);
  if (detail.is_object() && detail.contains("reasons") && detail["reasons"].is_array()) {
    for (const auto& reason : detail["reasons"]) {
      if (reason.is_string()) {
        cause += "<br><span class=\"muted\">" + xml_escape(reason.get<std::string>()) + "</span>";
      }
    }
  }
  std::string duration = "–";
  if (run.ended_at) {
    if (auto ms = iso_difference(run.started_at, *run.ended_at)) {
      duration = fmt::format("{:.2f} s", static_cast<double>(ms->count()) / 1000.0);
    }
  }
  std::string git = run.git_commit ? "<code>" + xml_escape(*run.git_commit) + "</code>" : "–";
  if (run.git_branch) {
    git += " on " + xml_escape(*run.git_branch);
  }
  if (run.git_dirty.value_or(false)) {
    git += " <span class=\"muted\">(with uncommitted changes)</span>";
  }
  std::vector<std::pair<std::string, std::string>> rows = {
      {"status", badge(run.status)},
      {"pipeline", xml_escape(run.pipeline) + " <span class=\"muted\">(" +
                       xml_escape(run.pipeline_file) + ")</span>"},
      {"cause", cause},
      {"started", xml_escape(run.started_at)},
      {"ended", xml_escape(run.ended_at.value_or("–"))},
      {"duration", duration},
      {"git", git},
      {"params", "<code>" + xml_escape(run.params_json) + "</code>"},
      {"by", xml_escape(run.user + "@" + run.host + ", mlops " + run.mlops_version)}};
  std::string text = "<table class=\"facts\">\n";
  for (const auto& [name, value] : rows) {
    text += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", name, value);
  }
  return text + "</table>\n";
}

std::string stages_table(const ReportData& data) {
  std::string text =
      "<table id=\"stages\"><tr><th>stage</th><th>status</th><th>attempts</th><th "
      "class=\"num\">duration</th><th>note</th></tr>\n";
  for (const auto& stage : data.stages) {
    std::string duration = stage.start_seconds && stage.end_seconds
                               ? fmt::format("{:.2f} s", *stage.end_seconds - *stage.start_seconds)
                               : "–";
    text += fmt::format(
        "<tr data-stage=\"{}\"><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td>{}</td></tr>\n",
        xml_escape(stage.name), xml_escape(stage.name), badge(stage.status), stage.attempts,
        duration, xml_escape(stage.note));
  }
  return text + "</table>\n";
}

// Each failed stage: why it failed and the end of its log.
std::string failures_section(const ReportData& data) {
  std::string text;
  for (const auto& stage : data.stages) {
    if (stage.status != "failed") {
      continue;
    }
    text += fmt::format(
        "<div class=\"failure\" data-stage=\"{}\"><h3>Stage <code>{}</code> "
        "failed: <span class=\"exit-reason\">{}</span></h3>\n",
        xml_escape(stage.name), xml_escape(stage.name),
        xml_escape(stage.exit_reason.empty() ? stage.note : stage.exit_reason));
    text += stage.log_tail.empty()
                ? fmt::format("<p class=\"muted\">{}</p>\n", xml_escape(stage.log_problem))
                : fmt::format(
                      "<p class=\"muted\">The last lines of its log (<code>mlops logs "
                      "{} {}</code> shows all of it):</p>\n<pre class=\"log-tail\">{}"
                      "</pre>\n",
                      xml_escape(data.run.id), xml_escape(stage.name), xml_escape(stage.log_tail));
    text += "</div>\n";
  }
  return text.empty() ? "" : "<h2>Failures</h2>\n" + text;
}

// The run's params: value, where it comes from, and its value there now when different.
std::string params_section(const ReportData& data) {
  if (data.params.empty()) {
    return "<p class=\"muted\">This run recorded no params.</p>\n";
  }
  std::string text =
      "<table id=\"params\"><tr><th>param</th><th>value</th><th>from</th><th>in the pipeline "
      "now, when different (-S, or edited since)</th></tr>\n";
  for (const auto& param : data.params) {
    text += fmt::format(
        "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td "
        "class=\"now\">{}</td></tr>\n",
        xml_escape(param.key), xml_escape(param.value), xml_escape(param.origin),
        param.now.empty() ? "" : "<code>" + xml_escape(param.now) + "</code>");
  }
  return text + "</table>\n";
}

std::string plots_section(const ReportData& data) {
  if (data.plots.empty()) {
    return "";
  }
  std::string text = "<h2>Plots</h2>\n";
  for (const auto& figure : data.plots) {
    text += plot_figure_html(figure.options, figure.runs);
  }
  return text;
}

std::string artifacts_table(const ReportData& data) {
  if (data.events.empty()) {
    return "<p class=\"muted\">No artifacts were recorded.</p>\n";
  }
  std::string text =
      "<table id=\"artifacts\"><tr><th>stage</th><th>read / wrote</th><th>path</th><th>kind</th>"
      "<th>digest (XXH3-128)</th><th class=\"num\">size</th></tr>\n";
  for (const auto& event : data.events) {
    text += fmt::format(
        "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td><td><code "
        "title=\"{}\">{}</code></td><td class=\"num\">{}</td></tr>\n",
        xml_escape(event.stage), event.direction == "input" ? "read" : "wrote",
        xml_escape(event.artifact.path), xml_escape(event.artifact.kind),
        xml_escape(event.artifact.digest), xml_escape(event.artifact.digest.substr(0, 12)),
        human_size(event.artifact.size));
  }
  return text + "</table>\n";
}

// Each gate the run judged: its verdict, then every check with value, baseline and threshold.
std::string gates_section(const ReportData& data) {
  if (data.gates.empty()) {
    return "";
  }
  std::string text = "<h2>Model gates</h2>\n";
  for (const auto& gate : data.gates) {
    std::string against = gate.baseline_version
                              ? fmt::format(" against {} v{}", gate.baseline_alias.value_or(""),
                                            *gate.baseline_version)
                              : "";
    text += fmt::format("<p>Stage <code>{}</code>: model <code>{}</code> v{} {}{}.</p>\n",
                        xml_escape(gate.stage.value_or("")), xml_escape(gate.model), gate.version,
                        badge(gate.passed() ? "succeeded" : "rejected"), xml_escape(against));
    text += "<table class=\"gate\"><tr>";
    for (const char* column : k_gate_columns) {
      text += fmt::format("<th>{}</th>", column);
    }
    text += "</tr>\n";
    for (const auto& row : gate_check_rows(parse_gate_checks_json(gate.checks_json))) {
      text += "<tr>";
      for (const auto& cell : row) {
        text += "<td>" + xml_escape(cell) + "</td>";
      }
      text += "</tr>\n";
    }
    text += "</table>\n";
  }
  return text;
}

std::string metrics_section(const ReportData& data) {
  const MetricComparison& metrics = data.metrics;
  if (metrics.current.empty()) {
    return "<p class=\"muted\">This run recorded no metrics.</p>\n";
  }
  std::string text =
      metrics.previous_run
          ? fmt::format("<p>Change against the previous succeeded run, <code>{}</code>.</p>\n",
                        xml_escape(*metrics.previous_run))
          : std::string("<p class=\"muted\">No earlier succeeded run to compare with.</p>\n");
  text +=
      "<table id=\"metrics\"><tr><th>stage</th><th>metric</th><th class=\"num\">value</th><th "
      "class=\"num\">previous</th><th class=\"num\">change</th></tr>\n";
  for (const auto& metric : metrics.current) {
    auto before = metrics.previous_value(metric);
    std::string previous = "–", change = "–";
    if (before) {
      previous = fmt::format("{:.6g}", *before);
      double delta = metric.value - *before;
      change = delta == 0 ? "0"
                          : fmt::format("<span class=\"{}\">{}{:.6g}</span>",
                                        delta > 0 ? "up" : "down", delta > 0 ? "+" : "", delta);
    }
    text += fmt::format(
        "<tr><td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{:.6g}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        xml_escape(metric.stage), xml_escape(metric.key), metric.value, previous, change);
  }
  text += "</table>\n<h2>Metric history</h2>\n<div class=\"plots\">\n";
  for (const auto& [name, values] : data.history) {
    text += fmt::format(
        "<div class=\"plot\"><h3><code>{}</code> <span class=\"muted\">({} "
        "runs)</span></h3>\n{}</div>\n",
        xml_escape(name), values.size(), metric_history_svg(name, values, data.run.id));
  }
  return text + "</div>\n";
}

}  // namespace

std::string html_report(const ReportData& data, const std::string& generated_by) {
  std::string legend = "<p class=\"legend\">";
  for (const char* status : {"succeeded", "cached", "failed", "rejected", "cancelled", "not run"}) {
    legend += "<span>" + badge(status) + "</span>";
  }
  legend += "</p>\n";
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>mlops run {id} of {pipeline}</title>\n<style>{style}</style>\n</head>\n<body>\n"
      "<h1>Run <code>{id}</code> of <code>{pipeline}</code></h1>\n{facts}"
      "<h2>Stages</h2>\n{legend}<p class=\"muted\">Edges from {edges_source}.</p>\n{dag}"
      "<h2>Timeline</h2>\n{timeline}{stages}{failures}"
      "<h2>Params</h2>\n{params}"
      "<h2>Artifacts</h2>\n{artifacts}"
      "{gates}<h2>Metrics</h2>\n{metrics}{plots}"
      "<p class=\"muted\">Generated by {generated_by}.</p>\n</body>\n</html>\n",
      fmt::arg("id", xml_escape(data.run.id)), fmt::arg("pipeline", xml_escape(data.run.pipeline)),
      fmt::arg("style", std::string(k_style) + plot_css()),
      fmt::arg("failures", failures_section(data)), fmt::arg("params", params_section(data)),
      fmt::arg("plots", plots_section(data)), fmt::arg("facts", facts(data)),
      fmt::arg("legend", legend), fmt::arg("edges_source", xml_escape(data.edges_source)),
      fmt::arg("dag", dag_svg(data)), fmt::arg("timeline", timeline_svg(data)),
      fmt::arg("stages", stages_table(data)), fmt::arg("artifacts", artifacts_table(data)),
      fmt::arg("metrics", metrics_section(data)), fmt::arg("gates", gates_section(data)),
      fmt::arg("generated_by", xml_escape(generated_by)));
}

}  // namespace mlops
