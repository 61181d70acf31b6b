#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/svg.hpp"
#include "util/xml_escape.hpp"

namespace mlops {

const char* status_colour(const std::string& status) {
  static const std::map<std::string, const char*> colours = {
      {"succeeded", "#2da44e"}, {"cached", "#8fbcbb"},    {"failed", "#cf222e"},
      {"rejected", "#bc4c00"},  {"cancelled", "#d4a72c"}, {"interrupted", "#d4a72c"},
      {"running", "#0969da"},   {"not run", "#d0d7de"}};
  auto it = colours.find(status);
  return it == colours.end() ? "#d0d7de" : it->second;
}

namespace {

constexpr double k_char = 7.2, k_height = 30, k_gap_x = 60, k_gap_y = 14, k_pad = 12;

// Where each stage's box goes on the page.
struct DagLayout {
  std::vector<size_t> column;                  // per stage
  std::vector<std::vector<size_t>> by_column;  // the stages of each column, top to bottom
  std::vector<double> x, y, width;             // per stage, in pixels
  double total_width = 0;
  double total_height = 0;
};

// Columns: longest path from a source (edges go forward in the stored order of a DAG, but do
// not rely on it: relax until nothing changes, at most n rounds).
std::vector<size_t> longest_path_columns(const ReportData& data) {
  const size_t n = data.stages.size();
  std::vector<size_t> column(n, 0);
  for (size_t round = 0; round < n; ++round) {
    bool changed = false;
    for (const auto& edge : data.edges) {
      if (edge.from < n && edge.to < n && column[edge.to] < column[edge.from] + 1) {
        column[edge.to] = column[edge.from] + 1;
        changed = true;
      }
    }
    if (!changed) {
      break;
    }
  }
  return column;
}

// The mean row of the predecessors (in earlier columns) of each stage in `nodes`, which are in
// column `c`; a stage without any goes last.
std::vector<double> barycenters(const ReportData& data, const std::vector<size_t>& column,
                                const std::vector<double>& row_of, size_t c,
                                const std::vector<size_t>& nodes) {
  const size_t n = data.stages.size();
  std::vector<double> key(n, 0);
  for (size_t i : nodes) {
    double sum = 0;
    size_t count = 0;
    for (const auto& edge : data.edges) {
      if (edge.to == i && edge.from < n && column[edge.from] < c) {
        sum += row_of[edge.from];
        ++count;
      }
    }
    key[i] = count ? sum / static_cast<double>(count) : static_cast<double>(nodes.size());
  }
  return key;
}

// Fewer crossings: order each column by the mean row of each stage's predecessors (one
// left-to-right barycenter sweep, as in Sugiyama-style layouts).
std::vector<std::vector<size_t>> stages_by_column(const ReportData& data,
                                                  const std::vector<size_t>& column) {
  const size_t n = data.stages.size();
  size_t columns = n == 0 ? 0 : *std::max_element(column.begin(), column.end()) + 1;
  std::vector<std::vector<size_t>> by_column(columns);
  for (size_t i = 0; i < n; ++i) {
    by_column[column[i]].push_back(i);
  }
  std::vector<double> row_of(n, 0);
  for (size_t c = 0; c < columns; ++c) {
    auto& nodes = by_column[c];
    if (c > 0) {
      std::vector<double> key = barycenters(data, column, row_of, c, nodes);
      std::stable_sort(nodes.begin(), nodes.end(),
                       [&](size_t a, size_t b) { return key[a] < key[b]; });
    }
    for (size_t row = 0; row < nodes.size(); ++row) {
      row_of[nodes[row]] = static_cast<double>(row);
    }
  }
  return by_column;
}

// Each column as wide as its longest stage name; rows at a fixed pitch.
void place_boxes(const ReportData& data, DagLayout& layout) {
  const size_t n = data.stages.size();
  const size_t columns = layout.by_column.size();
  std::vector<double> column_width(columns, 80);
  for (size_t i = 0; i < n; ++i) {
    column_width[layout.column[i]] =
        std::max(column_width[layout.column[i]],
                 static_cast<double>(data.stages[i].name.size()) * k_char + 24);
  }
  layout.x.assign(n, 0);
  layout.y.assign(n, 0);
  layout.width.assign(n, 0);
  layout.total_width = k_pad;
  for (size_t c = 0; c < columns; ++c) {
    for (size_t row = 0; row < layout.by_column[c].size(); ++row) {
      size_t i = layout.by_column[c][row];
      layout.x[i] = layout.total_width;
      layout.y[i] = k_pad + static_cast<double>(row) * (k_height + k_gap_y);
      layout.width[i] = column_width[c];
      layout.total_height = std::max(layout.total_height, layout.y[i] + k_height + k_pad);
    }
    layout.total_width += column_width[c] + k_gap_x;
  }
  layout.total_width = std::max(layout.total_width - k_gap_x + k_pad, 100.0);
}

DagLayout layout_dag(const ReportData& data) {
  DagLayout layout;
  layout.column = longest_path_columns(data);
  layout.by_column = stages_by_column(data, layout.column);
  place_boxes(data, layout);
  return layout;
}

std::string svg_edges(const ReportData& data, const DagLayout& layout) {
  const size_t n = data.stages.size();
  std::string svg;
  for (const auto& edge : data.edges) {
    if (edge.from >= n || edge.to >= n) {
      continue;
    }
    double x1 = layout.x[edge.from] + layout.width[edge.from];
    double y1 = layout.y[edge.from] + k_height / 2;
    double x2 = layout.x[edge.to], y2 = layout.y[edge.to] + k_height / 2;
    double middle = (x1 + x2) / 2;
    svg += fmt::format(
        "<path class=\"edge\" d=\"M {:.1f} {:.1f} C {:.1f} {:.1f}, {:.1f} {:.1f}, {:.1f} {:.1f}\" "
        "fill=\"none\" stroke=\"#57606a\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"/>\n",
        x1, y1, middle, y1, middle, y2, x2, y2);
  }
  return svg;
}

std::string svg_stage_boxes(const ReportData& data, const DagLayout& layout) {
  std::string svg;
  for (size_t i = 0; i < data.stages.size(); ++i) {
    const ReportStage& stage = data.stages[i];
    std::string name = xml_escape(stage.name);
    double x = layout.x[i], y = layout.y[i], width = layout.width[i];
    svg += fmt::format(
        "<g class=\"stage status-{}\" data-stage=\"{}\" data-status=\"{}\"><title>{}: {}{}</title>"
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\" rx=\"6\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}</text></g>\n",
        xml_escape(stage.status == "not run" ? "not-run" : stage.status), name,
        xml_escape(stage.status), name, xml_escape(stage.status),
        stage.note.empty() ? "" : " (" + xml_escape(stage.note) + ")", x, y, width, k_height,
        status_colour(stage.status), x + width / 2, y + k_height / 2 + 4.5,
        stage.status == "not run" || stage.status == "cached" ? "#1f2328" : "#ffffff", name);
  }
  return svg;
}

}  // namespace

std::string dag_svg(const ReportData& data) {
  DagLayout layout = layout_dag(data);
  double height = std::max(layout.total_height, 40.0);
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"dag\" class=\"dag\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"stage graph\">\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" "
      "fill=\"#57606a\"/></marker></defs>\n",
      layout.total_width, height, layout.total_width, height);
  return svg + svg_edges(data, layout) + svg_stage_boxes(data, layout) + "</svg>\n";
}

}  // namespace mlops
