#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "report/plots.hpp"

namespace mlops {
namespace {

PlotOptions options_for(const std::string& path, std::string kind = "linear") {
  PlotOptions options;
  options.path = path;
  options.kind = std::move(kind);
  return options;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST(PlotPointsTest, CsvDefaultsToFirstColumnAgainstEveryNumericOne) {
  PlotPoints points =
      read_plot_points("fpr,tpr,label,thr\r\n0,0,a,1\r\n0.5,\"0.8\",b,0.5\r\n1,1,c,0\r\n",
                       "roc.csv", options_for("roc.csv"));
  ASSERT_EQ(points.error, "");
  EXPECT_EQ(points.x_field, "fpr");
  EXPECT_EQ(points.y_fields, (std::vector<std::string>{"tpr", "thr"}));
  EXPECT_EQ(points.x, (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(points.y[0], (std::vector<double>{0, 0.8, 1}));
}

TEST(PlotPointsTest, AMillionColumnsDrawAFewSeriesAndShortMessages) {
  std::string header = "x", row1 = "1", row2 = "2";
  for (int i = 0; i < 1000000; ++i) {
    header += fmt::format(",c{}", i);
    row1 += ",1";
    row2 += ",2";
  }
  std::string csv = header + "\n" + row1 + "\n" + row2 + "\n";
  PlotPoints points = read_plot_points(csv, "wide.csv", options_for("wide.csv"));
  ASSERT_EQ(points.error, "");
  EXPECT_EQ(points.y_fields.size(), k_max_default_series);
  ASSERT_FALSE(points.notes.empty());
  EXPECT_NE(points.notes.back().find("999980 more numeric fields"), std::string::npos);
  EXPECT_LT(plot_svg(options_for("wide.csv"), {{"r", points}}).size(), 100000u);

  PlotOptions named = options_for("wide.csv");
  named.y = {"nope"};
  PlotPoints missing = read_plot_points(csv, "wide.csv", named);
  EXPECT_LT(missing.error.size(), 500u);
  EXPECT_NE(missing.error.find("(999981 more)"), std::string::npos);
}

TEST(PlotPointsTest, TsvAndJsonWithNamedFields) {
  PlotOptions options = options_for("l.tsv");
  options.x = "step";
  options.y = {"loss"};
  PlotPoints tsv = read_plot_points("loss\tstep\n0.9\t1\n0.5\t2\n", "l.tsv", options);
  ASSERT_EQ(tsv.error, "");
  EXPECT_EQ(tsv.x, (std::vector<double>{1, 2}));
  options.path = "l.json";
  PlotPoints json = read_plot_points(
      R"({"train": [{"step": 1, "loss": 0.9}, {"step": 2, "loss": "0.5"}]})", "l.json", options);
  ASSERT_EQ(json.error, "");
  EXPECT_EQ(json.y[0], (std::vector<double>{0.9, 0.5}));
  // Without x: the first key as written, not the first in alphabetical order.
  PlotPoints ordered = read_plot_points(R"([{"step": 1, "loss": 0.9}, {"step": 2, "loss": 0.5}])",
                                        "l.json", options_for("l.json"));
  EXPECT_EQ(ordered.x_field, "step");
  EXPECT_EQ(ordered.y_fields, (std::vector<std::string>{"loss"}));
}

TEST(PlotPointsTest, BadFilesSayWhyAndNeverThrow) {
  struct Case {
    const char* path;
    const char* text;
    const char* error;
  } cases[] = {
      {"a.csv", "", "the file is empty"},
      {"a.csv", "  \n", "the file is empty"},
      {"a.csv", "x,y\n", "no rows"},
      {"a.csv", "x,y\n1,\"2\n", "a quoted field is not closed"},
      {"a.json", "{\"x\": [1, 2", "not valid JSON"},
      {"a.json", "[1, 2, 3]",
       "no list of objects (write [{\"x\": 1, \"y\": 2}, ...] or {\"name\": [...]})"},
      {"a.csv", "x,name\n1,a\n",
       "no numeric field besides 'x' to draw (fields: x, name); name one "
       "with 'y:'"},
      {"a.csv", "x,y\nnan,inf\n", "no point has finite numbers for x and y"},
      {"a.csv", "\xff\xfe,\x01\n1,2\n", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(read_plot_points(c.text, c.path, options_for(c.path)).error, c.error) << c.text;
  }
  PlotOptions named = options_for("a.csv");
  named.y = {"tpr"};
  EXPECT_EQ(read_plot_points("fpr,recall\n1,2\n", "a.csv", named).error,
            "no field 'tpr' (fields: fpr, recall)");
}

TEST(PlotPointsTest, NonFiniteValuesAreSkippedWithANote) {
  PlotPoints points =
      read_plot_points("x,y\n1,2\n2,NaN\n3,inf\n4,\n5,1\n", "a.csv", options_for("a.csv"));
  ASSERT_EQ(points.error, "");
  ASSERT_EQ(points.notes.size(), 1u);
  EXPECT_NE(points.notes[0].find("3 values"), std::string::npos) << points.notes[0];
  std::string svg = plot_svg(options_for("a.csv"), {{"run", points}});
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  EXPECT_EQ(count(svg, "M"), 2u) << svg;  // the line breaks at the gap
}

TEST(PlotPointsTest, ConfusionCountsActualAgainstPredicted) {
  PlotPoints points = read_plot_points("actual,predicted\ncat,cat\ncat,dog\ndog,dog\ndog,dog\n",
                                       "c.csv", options_for("c.csv", "confusion"));
  ASSERT_EQ(points.error, "");
  EXPECT_EQ(points.classes, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(points.counts, (std::vector<std::vector<int64_t>>{{1, 1}, {0, 2}}));
  std::string html = confusion_html(options_for("c.csv", "confusion"), {"r1", points});
  EXPECT_NE(html.find("<th>cat</th>"), std::string::npos);
  EXPECT_NE(html.find(">2</td>"), std::string::npos);
}

TEST(PlotSvgTest, EverythingFromUsersIsEscaped) {
  const std::string evil = "<script>alert(1)</script>";
  PlotOptions options = options_for("a<b>.csv");
  options.title = evil;
  std::string csv = "\"" + evil + "\",\"y&\"\"\"\n1,2\n2,3\n";
  PlotPoints points = read_plot_points(csv, "a.csv", options);
  ASSERT_EQ(points.error, "");
  std::string html = plot_figure_html(options, {{evil, points}, {"r2\"'", points}});
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("r2\"'"), std::string::npos);
  PlotPoints confusion = read_plot_points("actual,predicted\n" + evil + ",x\n", "c.csv",
                                          options_for("c.csv", "confusion"));
  std::string table = confusion_html(options_for("c.csv", "confusion"), {evil, confusion});
  EXPECT_EQ(table.find("<script"), std::string::npos) << table;
  PlotPoints broken;
  broken.error = evil;
  EXPECT_EQ(plot_figure_html(options, {{evil, broken}}).find("<script"), std::string::npos);
  std::string page = plots_page_html({evil}, {{options, {{evil, points}}}}, evil);
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

TEST(PlotSvgTest, AxesAreLabelledAndRunsOverlaidWithALegend) {
  PlotOptions options = options_for("roc.csv");
  options.x_label = "false positive rate";
  PlotPoints a = read_plot_points("fpr,tpr\n0,0\n0.5,0.7\n1,1\n", "roc.csv", options);
  PlotPoints b = read_plot_points("fpr,tpr\n0,0\n0.5,0.9\n1,1\n", "roc.csv", options);
  std::string svg = plot_svg(options, {{"run-a", a}, {"run-b", b}});
  EXPECT_NE(svg.find(">false positive rate</text>"), std::string::npos);
  EXPECT_NE(svg.find(">tpr</text>"), std::string::npos);  // the y label defaults to the field
  EXPECT_NE(svg.find("data-series=\"run-a\""), std::string::npos);
  EXPECT_NE(svg.find("data-series=\"run-b\""), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"legend-entry\""), 2u);
  EXPECT_GE(count(svg, "class=\"axis tick\""), 6u);
  EXPECT_NE(svg.find(">0.4</text>"), std::string::npos);
  std::string single = plot_svg(options, {{"run-a", a}});
  EXPECT_EQ(count(single, "legend-entry"), 0u);
}

TEST(PlotSvgTest, AMillionPointsAreThinnedAndFast) {
  std::string csv = "step,loss\n";
  csv.reserve(20'000'000);
  for (int i = 0; i < 1'000'000; ++i) {
    csv += fmt::format("{},{}\n", i, std::sin(i / 1000.0) + (i == 500'000 ? 50 : 0));
  }
  auto start = std::chrono::steady_clock::now();
  PlotPoints points = read_plot_points(csv, "l.csv", options_for("l.csv"));
  std::string svg = plot_svg(options_for("l.csv"), {{"r", points}});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(points.error, "");
  EXPECT_EQ(points.x.size(), 1'000'000u);
  EXPECT_LE(count(svg, "L"), k_max_drawn_points);
  EXPECT_LT(svg.size(), 200'000u);
  std::vector<size_t> kept = thin_points(points.x, points.y[0], k_max_drawn_points);
  EXPECT_NE(std::find(kept.begin(), kept.end(), 500'000u), kept.end()) << "the spike is kept";
  // Generous: a page, not a benchmark (bench/ has none for this).
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(), 10);
}

TEST(PlotSvgTest, ThinningKeepsExtremesAndSkipsNonFinite) {
  std::vector<double> x = {0, 1, 2, 3, 4, 5}, y = {0, 9, NAN, -9, 1, 2};
  EXPECT_EQ(thin_points(x, y, 100), (std::vector<size_t>{0, 1, 3, 4, 5}));
  std::vector<size_t> thin = thin_points(x, y, 3);  // one bucket: first, lowest, highest
  EXPECT_EQ(thin, (std::vector<size_t>{0, 1, 3}));
}

}  // namespace
}  // namespace mlops
