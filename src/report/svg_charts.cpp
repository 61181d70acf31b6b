#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/svg.hpp"
#include "util/xml_escape.hpp"

namespace mlops {
namespace {

// "0.5s", "12s", "3m05s" for an axis tick.
std::string seconds_label(double seconds) {
  if (seconds < 1) {
    return fmt::format("{:.2f}s", seconds);
  }
  if (seconds < 10) {
    return fmt::format("{:.1f}s", seconds);
  }
  if (seconds < 60) {
    return fmt::format("{:.0f}s", seconds);
  }
  int whole = static_cast<int>(seconds);
  return fmt::format("{}m{:02d}s", whole / 60, whole % 60);
}

}  // namespace

std::string timeline_svg(const ReportData& data) {
  std::vector<size_t> rows;
  double end = 0;
  for (size_t i = 0; i < data.stages.size(); ++i) {
    if (data.stages[i].start_seconds) {
      rows.push_back(i);
      end = std::max(end, data.stages[i].end_seconds.value_or(*data.stages[i].start_seconds));
    }
  }
  std::sort(rows.begin(), rows.end(), [&](size_t a, size_t b) {
    return *data.stages[a].start_seconds < *data.stages[b].start_seconds;
  });
  end = std::max(end, 0.001);
  size_t label_chars = 8;
  for (size_t i : rows) {
    label_chars = std::max(label_chars, data.stages[i].name.size());
  }
  constexpr double k_row = 22, k_plot = 640, k_top = 24;
  double left = static_cast<double>(std::min<size_t>(label_chars, 40)) * 7.2 + 16;
  double height = k_top + static_cast<double>(rows.size()) * k_row + 10;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" class=\"timeline\" "
      "width=\"{:.0f}\" height=\"{:.0f}\" role=\"img\" aria-label=\"stage timeline\">\n",
      left + k_plot + 20, height);
  for (int tick = 0; tick <= 4; ++tick) {
    double at = left + k_plot * tick / 4.0;
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.0f}\" x2=\"{0:.1f}\" y2=\"{2:.0f}\" stroke=\"#d0d7de\"/>"
        "<text x=\"{0:.1f}\" y=\"14\" text-anchor=\"middle\" class=\"axis\">{3}</text>\n",
        at, k_top - 4, height - 6, seconds_label(end * tick / 4.0));
  }
  for (size_t row = 0; row < rows.size(); ++row) {
    const ReportStage& stage = data.stages[rows[row]];
    double start = *stage.start_seconds;
    double stop = stage.end_seconds.value_or(start);
    double x = left + k_plot * start / end;
    double width = std::max(2.0, k_plot * (stop - start) / end);
    double y = k_top + static_cast<double>(row) * k_row;
    svg += fmt::format(
        "<g class=\"bar status-{}\" data-stage=\"{}\"><title>{}: {} from {} to {}</title>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>"
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"14\" rx=\"3\" "
        "fill=\"{}\"/></g>\n",
        xml_escape(stage.status == "not run" ? "not-run" : stage.status), xml_escape(stage.name),
        xml_escape(stage.name), xml_escape(stage.status), seconds_label(start), seconds_label(stop),
        left - 8, y + 11, xml_escape(stage.name), x, y, width, status_colour(stage.status));
  }
  return svg + "</svg>\n";
}

// One point per execution that produced a value (a stage reused from the cache adds none: see
// MetadataStore::metric_history), with the value axis labelled by the metric's name and the
// other by the points' order.
std::string metric_history_svg(const std::string& name, const std::vector<MetricRecord>& values,
                               const std::string& current_run) {
  constexpr double k_width = 360, k_height = 170, k_left = 58, k_right = 12, k_top = 10;
  constexpr double k_bottom = 40;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"metric-plot\" data-metric=\"{}\" "
      "width=\"{:.0f}\" height=\"{:.0f}\" role=\"img\" aria-label=\"history of {}\">\n",
      xml_escape(name), k_width, k_height, xml_escape(name));
  if (values.empty()) {
    return svg + "<text x=\"10\" y=\"20\">no history</text></svg>\n";
  }
  auto [low_it, high_it] = std::minmax_element(
      values.begin(), values.end(), [](const auto& a, const auto& b) { return a.value < b.value; });
  double low = low_it->value, high = high_it->value;
  if (high - low < 1e-12) {
    low -= 0.5;
    high += 0.5;
  }
  double plot_width = k_width - k_left - k_right, plot_height = k_height - k_top - k_bottom;
  auto px = [&](size_t i) {
    return values.size() == 1 ? k_left + plot_width / 2
                              : k_left + plot_width * static_cast<double>(i) /
                                             static_cast<double>(values.size() - 1);
  };
  auto py = [&](double v) { return k_top + plot_height * (1 - (v - low) / (high - low)); };
  std::string points;
  for (size_t i = 0; i < values.size(); ++i) {
    points += fmt::format("{:.1f},{:.1f} ", px(i), py(values[i].value));
  }
  double bottom = k_top + plot_height;
  svg += fmt::format(
      "<rect x=\"{0:.0f}\" y=\"{1:.0f}\" width=\"{2:.0f}\" height=\"{3:.0f}\" fill=\"none\" "
      "stroke=\"#d0d7de\"/>\n<text x=\"{4:.0f}\" y=\"{5:.1f}\" text-anchor=\"end\" "
      "class=\"axis tick\">{6:.4g}</text><text x=\"{4:.0f}\" y=\"{7:.1f}\" "
      "text-anchor=\"end\" class=\"axis tick\">{8:.4g}</text>\n"
      "<text x=\"{0:.0f}\" y=\"{9:.0f}\" class=\"axis tick\">1</text><text x=\"{10:.0f}\" "
      "y=\"{9:.0f}\" text-anchor=\"end\" class=\"axis tick\">{11}</text>\n"
      "<text x=\"{12:.0f}\" y=\"{13:.0f}\" text-anchor=\"middle\" class=\"axis x-label\">"
      "execution that produced it (oldest first)</text>\n<text transform=\"translate(12 "
      "{14:.0f}) rotate(-90)\" text-anchor=\"middle\" class=\"axis y-label\">{15}</text>\n"
      "<polyline points=\"{16}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.6\"/>\n",
      k_left, k_top, plot_width, plot_height, k_left - 4, k_top + 4, high_it->value, bottom,
      low_it->value, bottom + 14, k_left + plot_width, values.size(), k_left + plot_width / 2,
      bottom + 32, k_top + plot_height / 2,
      xml_escape(name.substr(name.rfind(": ") == std::string::npos ? 0 : name.rfind(": ") + 2)),
      points);
  for (size_t i = 0; i < values.size(); ++i) {
    bool current = values[i].run_id == current_run;
    svg += fmt::format(
        "<circle class=\"point{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"><title>run {}: "
        "{:.6g}</title></circle>\n",
        current ? " current" : "", px(i), py(values[i].value), current ? 5 : 3,
        current ? "#cf222e" : "#0969da", xml_escape(values[i].run_id), values[i].value);
  }
  return svg + "</svg>\n";
}

}  // namespace mlops
