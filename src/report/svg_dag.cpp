#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/svg.hpp"
#include "util/xml_escape.hpp"

namespace mlops {

const char* status_colour(const std::string& status) {
  static const std::map<std::string, const char*> colours = {
      {"succeeded", "#2da44e"}, {"cached", "#8fbcbb"},      {"failed", "#cf222e"},
      {"cancelled", "#d4a72c"}, {"interrupted", "#d4a72c"}, {"running", "#0969da"},
      {"not run", "#d0d7de"}};
  auto it = colours.find(status);
  return it == colours.end() ? "#d0d7de" : it->second;
}

std::string dag_svg(const ReportData& data) {
  const size_t n = data.stages.size();
  // Columns: longest path from a source (edges go forward in the stored order of a DAG, but do
  // not rely on it: relax until nothing changes, at most n rounds).
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
  size_t columns = n == 0 ? 0 : *std::max_element(column.begin(), column.end()) + 1;
  std::vector<std::vector<size_t>> by_column(columns);
  for (size_t i = 0; i < n; ++i) {
    by_column[column[i]].push_back(i);
  }
  // Fewer crossings: order each column by the mean row of each stage's predecessors (one
  // left-to-right barycenter sweep, as in Sugiyama-style layouts).
  std::vector<double> row_of(n, 0);
  for (size_t c = 0; c < columns; ++c) {
    auto& nodes = by_column[c];
    if (c > 0) {
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
      std::stable_sort(nodes.begin(), nodes.end(),
                       [&](size_t a, size_t b) { return key[a] < key[b]; });
    }
    for (size_t row = 0; row < nodes.size(); ++row) {
      row_of[nodes[row]] = static_cast<double>(row);
    }
  }
  constexpr double k_char = 7.2, k_height = 30, k_gap_x = 60, k_gap_y = 14, k_pad = 12;
  std::vector<double> column_width(columns, 80);
  for (size_t i = 0; i < n; ++i) {
    column_width[column[i]] = std::max(
        column_width[column[i]], static_cast<double>(data.stages[i].name.size()) * k_char + 24);
  }
  std::vector<double> x(n), y(n), width(n);
  double total_width = k_pad, total_height = 0;
  for (size_t c = 0; c < columns; ++c) {
    for (size_t row = 0; row < by_column[c].size(); ++row) {
      size_t i = by_column[c][row];
      x[i] = total_width;
      y[i] = k_pad + static_cast<double>(row) * (k_height + k_gap_y);
      width[i] = column_width[c];
      total_height = std::max(total_height, y[i] + k_height + k_pad);
    }
    total_width += column_width[c] + k_gap_x;
  }
  total_width = std::max(total_width - k_gap_x + k_pad, 100.0);
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"dag\" class=\"dag\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"stage graph\">\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" "
      "fill=\"#57606a\"/></marker></defs>\n",
      total_width, std::max(total_height, 40.0), total_width, std::max(total_height, 40.0));
  for (const auto& edge : data.edges) {
    if (edge.from >= n || edge.to >= n) {
      continue;
    }
    double x1 = x[edge.from] + width[edge.from], y1 = y[edge.from] + k_height / 2;
    double x2 = x[edge.to], y2 = y[edge.to] + k_height / 2;
    double middle = (x1 + x2) / 2;
    svg += fmt::format(
        "<path class=\"edge\" d=\"M {:.1f} {:.1f} C {:.1f} {:.1f}, {:.1f} {:.1f}, {:.1f} {:.1f}\" "
        "fill=\"none\" stroke=\"#57606a\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"/>\n",
        x1, y1, middle, y1, middle, y2, x2, y2);
  }
  for (size_t i = 0; i < n; ++i) {
    const ReportStage& stage = data.stages[i];
    std::string name = xml_escape(stage.name);
    svg += fmt::format(
        "<g class=\"stage status-{}\" data-stage=\"{}\" data-status=\"{}\"><title>{}: {}{}</title>"
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\" rx=\"6\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}</text></g>\n",
        xml_escape(stage.status == "not run" ? "not-run" : stage.status), name,
        xml_escape(stage.status), name, xml_escape(stage.status),
        stage.note.empty() ? "" : " (" + xml_escape(stage.note) + ")", x[i], y[i], width[i],
        k_height, status_colour(stage.status), x[i] + width[i] / 2, y[i] + k_height / 2 + 4.5,
        stage.status == "not run" || stage.status == "cached" ? "#1f2328" : "#ffffff", name);
  }
  return svg + "</svg>\n";
}

}  // namespace mlops
