// Drawing plots (report/plots.hpp): axes with "nice" ticks, one path or set of dots per series,
// a legend when there are several series; confusion matrices as HTML tables.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "report/plots.hpp"
#include "util/strings.hpp"
#include "util/xml_escape.hpp"

namespace mlops {
namespace {

constexpr const char* k_palette[] = {"#0969da", "#cf222e", "#1a7f37", "#8250df",
                                     "#bc4c00", "#0a7b83", "#bf3989", "#57606a"};
constexpr double k_width = 640, k_plot_height = 300;
constexpr double k_left = 70, k_right = 20, k_top = 14, k_bottom = 52;

struct Range {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  void add(double v) {
    low = std::min(low, v);
    high = std::max(high, v);
  }
  void widen() {
    if (!(high > low)) {
      double pad = std::abs(low) > 1e-12 ? std::abs(low) * 0.05 : 0.5;
      low -= pad;
      high += pad;
    }
  }
};

// About `count` round numbers (1, 2 or 5 times a power of ten apart) covering [low, high].
std::vector<double> nice_ticks(double low, double high, int count) {
  double raw = (high - low) / count;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * magnitude;
    if (raw <= step) {
      break;
    }
  }
  std::vector<double> ticks;
  for (double t = std::ceil(low / step) * step; t <= high + step * 1e-9 && ticks.size() < 50;
       t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

struct Series {
  std::string name;
  const std::vector<double>* x;
  const std::vector<double>* y;
};

std::vector<Series> all_series(const std::vector<PlotRun>& runs) {
  std::vector<Series> series;
  size_t drawn_runs = 0;
  for (const auto& run : runs) {
    drawn_runs += run.points.error.empty() ? 1 : 0;
  }
  for (const auto& run : runs) {
    if (!run.points.error.empty()) {
      continue;
    }
    const PlotPoints& points = run.points;
    for (size_t s = 0; s < points.y.size(); ++s) {
      std::string name = drawn_runs > 1 && points.y.size() > 1
                             ? run.name + ": " + points.y_fields[s]
                         : drawn_runs > 1 ? run.name
                                          : points.y_fields[s];
      series.push_back({name, &points.x, &points.y[s]});
    }
  }
  return series;
}

std::string axis_label(const std::string& given, const std::string& fallback) {
  return given.empty() ? fallback : given;
}

// The frame, grid lines, tick labels and axis labels.
std::string axes(const Range& x, const Range& y, const std::string& x_label,
                 const std::string& y_label) {
  double right = k_width - k_right, bottom = k_top + k_plot_height;
  std::string svg;
  for (double t : nice_ticks(x.low, x.high, 6)) {
    double at = k_left + (right - k_left) * (t - x.low) / (x.high - x.low);
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.0f}\" x2=\"{0:.1f}\" y2=\"{2:.0f}\" stroke=\"#eaeef2\"/>"
        "<line x1=\"{0:.1f}\" y1=\"{2:.0f}\" x2=\"{0:.1f}\" y2=\"{3:.0f}\" stroke=\"#57606a\"/>"
        "<text x=\"{0:.1f}\" y=\"{4:.0f}\" text-anchor=\"middle\" class=\"axis "
        "tick\">{5:.4g}</text>\n",
        at, k_top, bottom, bottom + 4, bottom + 17, t);
  }
  for (double t : nice_ticks(y.low, y.high, 5)) {
    double at = bottom - k_plot_height * (t - y.low) / (y.high - y.low);
    svg += fmt::format(
        "<line x1=\"{0:.0f}\" y1=\"{2:.1f}\" x2=\"{1:.0f}\" y2=\"{2:.1f}\" stroke=\"#eaeef2\"/>"
        "<line x1=\"{3:.0f}\" y1=\"{2:.1f}\" x2=\"{0:.0f}\" y2=\"{2:.1f}\" stroke=\"#57606a\"/>"
        "<text x=\"{4:.0f}\" y=\"{5:.1f}\" text-anchor=\"end\" class=\"axis "
        "tick\">{6:.4g}</text>\n",
        k_left, right, at, k_left - 4, k_left - 7, at + 4, t);
  }
  svg += fmt::format(
      "<rect x=\"{:.0f}\" y=\"{:.0f}\" width=\"{:.0f}\" height=\"{:.0f}\" fill=\"none\" "
      "stroke=\"#57606a\"/>\n<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"middle\" "
      "class=\"axis-label x-label\">{}</text>\n<text transform=\"translate(14 {:.0f}) "
      "rotate(-90)\" text-anchor=\"middle\" class=\"axis-label y-label\">{}</text>\n",
      k_left, k_top, right - k_left, k_plot_height, (k_left + right) / 2, bottom + 38,
      xml_escape(x_label), k_top + k_plot_height / 2, xml_escape(y_label));
  return svg;
}

std::string series_marks(const Series& series, const char* colour, bool scatter, const Range& x,
                         const Range& y) {
  auto px = [&](double v) {
    return k_left + (k_width - k_right - k_left) * (v - x.low) / (x.high - x.low);
  };
  auto py = [&](double v) { return k_top + k_plot_height * (1 - (v - y.low) / (y.high - y.low)); };
  std::string marks;
  std::vector<size_t> drawn = thin_points(*series.x, *series.y, k_max_drawn_points);
  if (scatter) {
    for (size_t i : drawn) {
      marks += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.2\"/>", px((*series.x)[i]),
                           py((*series.y)[i]));
    }
    return fmt::format(
        "<g class=\"series\" data-series=\"{}\" fill=\"{}\" fill-opacity=\"0.7\">"
        "<title>{}</title>{}</g>\n",
        xml_escape(series.name), colour, xml_escape(series.name), marks);
  }
  size_t previous = std::numeric_limits<size_t>::max();
  for (size_t i : drawn) {
    // A point that is not finite (NaN, a missing value) between two drawn ones breaks the line.
    bool gap = previous == std::numeric_limits<size_t>::max();
    for (size_t j = previous + 1; !gap && j < i; ++j) {
      gap = !std::isfinite((*series.x)[j]) || !std::isfinite((*series.y)[j]);
    }
    marks +=
        fmt::format("{}{:.1f},{:.1f} ", gap ? "M" : "L", px((*series.x)[i]), py((*series.y)[i]));
    previous = i;
  }
  return fmt::format(
      "<path class=\"series\" data-series=\"{}\" d=\"{}\" fill=\"none\" "
      "stroke=\"{}\" stroke-width=\"1.6\"><title>{}</title></path>\n",
      xml_escape(series.name), marks, colour, xml_escape(series.name));
}

std::string legend(const std::vector<Series>& series, double top) {
  std::string svg;
  for (size_t i = 0; i < series.size(); ++i) {
    double y = top + 18.0 * static_cast<double>(i);
    svg += fmt::format(
        "<g class=\"legend-entry\"><line x1=\"{0:.0f}\" y1=\"{1:.1f}\" x2=\"{2:.0f}\" "
        "y2=\"{1:.1f}\" stroke=\"{3}\" stroke-width=\"3\"/><text x=\"{4:.0f}\" "
        "y=\"{5:.1f}\">{6}</text></g>\n",
        k_left, y, k_left + 22, k_palette[i % std::size(k_palette)], k_left + 28, y + 4,
        xml_escape(series[i].name));
  }
  return svg;
}

}  // namespace

std::vector<size_t> thin_points(const std::vector<double>& x, const std::vector<double>& y,
                                size_t max_points) {
  std::vector<size_t> kept;
  size_t n = std::min(x.size(), y.size());
  auto finite = [&](size_t i) { return std::isfinite(x[i]) && std::isfinite(y[i]); };
  size_t buckets = std::max<size_t>(1, max_points / 3);
  size_t per_bucket = n <= max_points ? 1 : (n + buckets - 1) / buckets;
  for (size_t start = 0; start < n; start += per_bucket) {
    size_t end = std::min(n, start + per_bucket);
    size_t first = n, low = n, high = n;
    for (size_t i = start; i < end; ++i) {
      if (!finite(i)) {
        continue;
      }
      first = first == n ? i : first;
      low = low == n || y[i] < y[low] ? i : low;
      high = high == n || y[i] > y[high] ? i : high;
    }
    size_t picks[] = {first, low, high};
    std::sort(std::begin(picks), std::end(picks));
    for (size_t i : picks) {
      if (i != n && (kept.empty() || kept.back() != i)) {
        kept.push_back(i);
      }
    }
  }
  return kept;
}

std::string plot_svg(const PlotOptions& options, const std::vector<PlotRun>& runs) {
  std::vector<Series> series = all_series(runs);
  Range x, y;
  for (const auto& s : series) {
    for (size_t i = 0; i < s.x->size() && i < s.y->size(); ++i) {
      if (std::isfinite((*s.x)[i]) && std::isfinite((*s.y)[i])) {
        x.add((*s.x)[i]);
        y.add((*s.y)[i]);
      }
    }
  }
  if (series.empty() || !std::isfinite(x.low)) {
    return "";
  }
  x.widen();
  y.widen();
  std::string x_name, y_name;
  for (const auto& run : runs) {
    if (run.points.error.empty()) {
      x_name = run.points.x_field.empty() ? "row" : run.points.x_field;
      y_name = join(run.points.y_fields, ", ");
      break;
    }
  }
  double legend_top = k_top + k_plot_height + k_bottom + 8;
  double height = series.size() > 1 ? legend_top + 18.0 * static_cast<double>(series.size())
                                    : k_top + k_plot_height + k_bottom;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot {}\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" role=\"img\" aria-label=\"{}\">\n",
      options.kind == "scatter" ? "scatter" : "linear", k_width, height,
      xml_escape(options.title.empty() ? options.path : options.title));
  svg += axes(x, y, axis_label(options.x_label, x_name), axis_label(options.y_label, y_name));
  for (size_t i = 0; i < series.size(); ++i) {
    svg += series_marks(series[i], k_palette[i % std::size(k_palette)], options.kind == "scatter",
                        x, y);
  }
  if (series.size() > 1) {
    svg += legend(series, legend_top);
  }
  return svg + "</svg>\n";
}

std::string confusion_html(const PlotOptions& options, const PlotRun& run) {
  const PlotPoints& points = run.points;
  std::string html = fmt::format(
      "<table class=\"confusion\" data-run=\"{}\"><caption>{}</caption>\n<tr><th>{} \u2193 / {} "
      "\u2192</th>",
      xml_escape(run.name), xml_escape(run.name),
      xml_escape(axis_label(options.x_label, options.x.empty() ? "actual" : options.x)),
      xml_escape(axis_label(options.y_label, options.y.empty() ? "predicted" : options.y[0])));
  for (const auto& name : points.classes) {
    html += "<th>" + xml_escape(name) + "</th>";
  }
  html += "</tr>\n";
  for (size_t a = 0; a < points.classes.size(); ++a) {
    int64_t total = 0;
    for (int64_t count : points.counts[a]) {
      total += count;
    }
    html += "<tr><th>" + xml_escape(points.classes[a]) + "</th>";
    for (int64_t count : points.counts[a]) {
      double share = total > 0 ? static_cast<double>(count) / static_cast<double>(total) : 0;
      html += fmt::format(
          "<td class=\"num\" style=\"background:rgba(9,105,218,{:.3f});color:{}\">{}</td>", share,
          share > 0.5 ? "#fff" : "#1f2328", count);
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string plot_figure_html(const PlotOptions& options, const std::vector<PlotRun>& runs) {
  std::string title = options.title.empty() ? options.path : options.title;
  std::string html = fmt::format(
      "<figure class=\"plot-figure\" data-path=\"{}\">\n<figcaption><strong>{}</strong> "
      "<code class=\"muted\">{}</code></figcaption>\n",
      xml_escape(options.path), xml_escape(title), xml_escape(options.path));
  if (options.kind == "confusion") {
    for (const auto& run : runs) {
      html += run.points.error.empty() ? confusion_html(options, run) : "";
    }
  } else {
    html += plot_svg(options, runs);
  }
  for (const auto& run : runs) {
    if (!run.points.error.empty()) {
      html +=
          fmt::format("<p class=\"plot-error\">{}: cannot draw {}: {}</p>\n", xml_escape(run.name),
                      xml_escape(options.path), xml_escape(run.points.error));
    }
    for (const auto& note : run.points.notes) {
      html += fmt::format("<p class=\"muted plot-note\">{}: {}</p>\n", xml_escape(run.name),
                          xml_escape(note));
    }
  }
  return html + "</figure>\n";
}

const char* plot_css() {
  return R"css(
.plot-figure { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px; margin: 12px 0; }
.plot-figure figcaption { margin-bottom: 6px; } svg.plot text { font: 12px system-ui, sans-serif; }
svg.plot .tick { fill: #57606a; font-size: 11px; } svg.plot .axis-label { fill: #1f2328; }
table.confusion { border-collapse: collapse; margin: 8px 0; } table.confusion td,
table.confusion th { border: 1px solid #d0d7de; padding: 3px 8px; }
table.confusion caption { text-align: left; font-weight: 600; }
.plot-error { color: #cf222e; } .plot-note { font-size: 12px; }
)css";
}

std::string plots_page_html(const std::vector<std::string>& run_names,
                            const std::vector<PlotFigure>& figures,
                            const std::string& generated_by) {
  std::string runs;
  for (const auto& name : run_names) {
    runs += (runs.empty() ? "" : ", ") + ("<code>" + xml_escape(name) + "</code>");
  }
  std::string body;
  for (const auto& figure : figures) {
    body += plot_figure_html(figure.options, figure.runs);
  }
  if (figures.empty()) {
    body =
        "<p class=\"muted\">These runs recorded no plots (declare them with <code>plots:</code> "
        "in the pipeline).</p>\n";
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>mlops plots</title>\n<style>\nbody {{ font: 14px/1.45 system-ui, sans-serif; color: "
      "#1f2328; margin: 24px auto; max-width: 1000px; padding: 0 16px; }}\n.muted {{ color: "
      "#57606a; }}{}</style>\n</head>\n<body>\n<h1>Plots</h1>\n<p>Runs: {}</p>\n{}"
      "<p class=\"muted\">Generated by {}.</p>\n</body>\n</html>\n",
      plot_css(), runs, body, xml_escape(generated_by));
}

}  // namespace mlops
