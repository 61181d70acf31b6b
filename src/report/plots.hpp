// Plots files (`plots:` outs, docs/pipeline-format.md) read into points and drawn as inline SVG:
// line and scatter plots with labelled axes and ticks, several runs overlaid with a legend, and
// confusion matrices as a heat table. Used by `mlops plots`, `mlops report` and the web UI.
//
// Every function here is pure: bytes or points in, a value or an HTML/SVG string out; nothing
// reads files or the store. Every text that comes from a user (field names, run names, titles,
// paths, class labels) is escaped, and a file that cannot be drawn (malformed, empty, no such
// field, nothing finite) yields a message in the page, never an exception.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spec/pipeline.hpp"

namespace mlops {

// Plots files larger than this are not read (the page says so).
inline constexpr size_t k_max_plot_file_bytes = 256u << 20;
// A series with more points than this is thinned for display (extremes kept), so that a file of
// a million points still makes a page a browser opens at once.
inline constexpr size_t k_max_drawn_points = 2000;
// Without `y:`, at most this many numeric fields are drawn (the rest are noted).
inline constexpr size_t k_max_default_series = 20;

// One plots file of one run, read.
struct PlotPoints {
  std::string x_field;                 // "" when x is the row number
  std::vector<std::string> y_fields;   // the series, in order
  std::vector<double> x;               // one per row
  std::vector<std::vector<double>> y;  // per y field, one per row; NaN where not a finite number
  // confusion: the classes (sorted, actual and predicted together) and counts[actual][predicted]
  std::vector<std::string> classes;
  std::vector<std::vector<int64_t>> counts;
  std::string error;               // why nothing can be drawn; "" when the file was read
  std::vector<std::string> notes;  // what was skipped (values not finite, rows too short, ...)
};

// Reads `bytes`, a plots file named `path` (the format comes from its extension: .csv is RFC
// 4180 CSV with a header row, .tsv is tab-separated with a header row, .json is a list of
// objects or an object holding one such list) as `options` say: the x field (default: the first
// field), the y fields (default: every other field with a number in it), or for a confusion
// plot the actual (`x`, default "actual") and predicted (`y`, default "predicted") columns.
PlotPoints read_plot_points(std::string_view bytes, const std::string& path,
                            const PlotOptions& options);

// The same file in several runs, one PlotPoints each (the names label the legend).
struct PlotRun {
  std::string name;  // a run id, or id and name
  PlotPoints points;
  std::string digest{};  // of the file the points came from, when known
};

// A line (options.kind "linear") or scatter plot of every run's series on shared axes, with
// ticks, axis labels (options.x_label/y_label, else the field names), and a legend when there is
// more than one series. Runs whose points have an error are left out (figure_html shows it).
std::string plot_svg(const PlotOptions& options, const std::vector<PlotRun>& runs);

// One run's confusion matrix as an HTML table: rows actual, columns predicted, each cell shaded
// by its share of the row.
std::string confusion_html(const PlotOptions& options, const PlotRun& run);

// One plot as an HTML <figure>: its title (options.title, else the path), the drawing (one
// confusion table per run, or one SVG for all runs), and each run's error or notes.
std::string plot_figure_html(const PlotOptions& options, const std::vector<PlotRun>& runs);

// The CSS the figures above expect (classes plot-figure, plot, confusion, plot-error): a page
// that shows them puts it in its <style>.
const char* plot_css();

// One plot file across runs.
struct PlotFigure {
  PlotOptions options;
  std::vector<PlotRun> runs;
};

// `mlops plots`: one self-contained HTML page (inline CSS and SVG, no scripts) with every figure.
std::string plots_page_html(const std::vector<std::string>& run_names,
                            const std::vector<PlotFigure>& figures,
                            const std::string& generated_by);

// The values of one series (not yet escaped), with the drawn points thinned to at most
// `max_points`: each bucket keeps its first, lowest and highest point. Exposed for tests.
std::vector<size_t> thin_points(const std::vector<double>& x, const std::vector<double>& y,
                                size_t max_points);

}  // namespace mlops
