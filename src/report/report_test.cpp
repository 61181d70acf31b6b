#include <unistd.h>

#include <gtest/gtest.h>

#include "report/github_actions.hpp"
#include "report/html_report.hpp"
#include "report/junit.hpp"
#include "report/svg.hpp"

namespace mlops {
namespace {

// The y coordinate of a stage's box in the graph SVG.
double box_y(const std::string& svg, const std::string& stage) {
  size_t at = svg.find("data-stage=\"" + stage + "\"");
  size_t y = svg.find(" y=\"", svg.find("<rect", at));
  return std::stod(svg.substr(y + 4));
}

TEST(ReportSvgTest, ColumnsFollowChainsAndOrderAvoidsCrossings) {
  ReportData data;
  for (const char* name : {"a", "b", "from_b", "from_a", "join"}) {
    data.stages.push_back({name, "succeeded", 1, 0.0, 1.0, ""});
  }
  data.edges = {{1, 2}, {0, 3}, {2, 4}, {3, 4}};  // a -> from_a, b -> from_b
  std::string svg = dag_svg(data);
  EXPECT_LT(box_y(svg, "a"), box_y(svg, "b"));
  // Without reordering from_b (listed first) would sit beside a and the edges would cross.
  EXPECT_LT(box_y(svg, "from_a"), box_y(svg, "from_b")) << svg;
  EXPECT_NE(svg.find("class=\"stage status-succeeded\" data-stage=\"join\""), std::string::npos);
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 5, true);
}

TEST(ReportSvgTest, NamesAreEscapedAndTheCurrentRunMarked) {
  ReportData data;
  data.stages.push_back({"train[model=<x>]", "failed", 2, 0.0, 2.0, "exit code 1 & more"});
  std::string svg = dag_svg(data);
  EXPECT_NE(svg.find("train[model=&lt;x&gt;]"), std::string::npos);
  EXPECT_EQ(svg.find("<x>"), std::string::npos);
  std::vector<MetricRecord> history = {{"r1", "eval", "auc", 0.7, 1},
                                       {"r2", "eval", "auc", 0.8, 2}};
  std::string plot = metric_history_svg("eval: auc", history, "r2");
  EXPECT_NE(plot.find("class=\"point current\""), std::string::npos);
  EXPECT_EQ(plot.find("class=\"point current\""), plot.rfind("class=\"point current\""));
}

TEST(GithubActionsTest, EscapesMessagesAndProperties) {
  EXPECT_EQ(github_escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
  EXPECT_EQ(github_escape_property("a:b,c%"), "a%3Ab%2Cc%25");
  Diagnostic where{"pipelines/p,1.yaml", {12, 5}, "bad", ""};
  EXPECT_EQ(github_error("mlops check", "unknown key 'x'\nline two", where),
            "::error file=pipelines/p%2C1.yaml,line=12,col=5,title=mlops check::unknown key "
            "'x'%0Aline two\n");
  EXPECT_EQ(github_error("stage t failed", "exit code 1"),
            "::error title=stage t failed::exit code 1\n");
}

TEST(GithubActionsTest, WarningsBecomeWarningAnnotations) {
  EXPECT_EQ(github_warning("stage a,b", "cannot cache out: disk full\nline two"),
            "::warning title=stage a%2Cb::cannot cache out: disk full%0Aline two\n");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    GithubActionsReporter reporter(fds[1], "/ws");
    Stage stage;
    stage.name = "train";
    reporter.warning(&stage, "deps changed while it ran: dep.txt");
    reporter.warning(nullptr, "recording run r1 in the metadata store failed: 50% full");
  }
  ::close(fds[1]);
  char buffer[1024];
  ssize_t n = ::read(fds[0], buffer, sizeof buffer);
  ::close(fds[0]);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0),
            "::warning title=stage train::deps changed while it ran: dep.txt\n"
            "::warning title=mlops run::recording run r1 in the metadata store failed: 50%25 "
            "full\n");
}

TEST(JunitTest, OneCasePerSelectedStageWithCounts) {
  Pipeline pipeline;
  pipeline.name = "p";
  pipeline.file = "p.yaml";
  for (const char* name : {"ok", "bad", "later", "cached", "unselected"}) {
    Stage stage;
    stage.name = name;
    pipeline.stages.push_back(stage);
  }
  RunReport report;
  report.stages.resize(5);
  report.stages[0].status = StageStatus::Succeeded;
  report.stages[1].status = StageStatus::Failed;
  report.stages[1].last.exit_code = 2;
  report.stages[1].last.stderr_tail = {"boom <b>"};
  report.stages[2].status = StageStatus::Skipped;
  report.stages[2].note = "upstream bad failed";
  report.stages[3].status = StageStatus::Succeeded;
  report.stages[3].cached = true;
  report.stages[4].status = StageStatus::NotSelected;
  std::string xml = junit_xml(pipeline, report, {"r1", "2026-11-25T00:00:00.000Z", "host"});
  EXPECT_NE(xml.find("<testsuite name=\"p\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"2\""),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("unselected"), std::string::npos);
  EXPECT_NE(
      xml.find("<failure message=\"exit code 2\" type=\"StageFailed\">boom &lt;b&gt;</failure>"),
      std::string::npos)
      << xml;
}

}  // namespace
}  // namespace mlops
