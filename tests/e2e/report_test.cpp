// `mlops report`: a self-contained HTML page, opened in headless Chromium.
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "util/shell_quote.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_pipeline = R"(version: 1
name: reported
params: {score: 0.5}
stages:
  prepare: {run: "echo data > data.txt", outs: [data.txt]}
  train:
    run: "cat data.txt > model.txt && echo '{\"auc\": ${params.score}, \"loss\": 1.5}' > metrics.json"
    deps: [data.txt]
    outs: [{path: model.txt, type: model}]
    metrics: [metrics.json]
  evaluate: {run: "sleep 0.05; echo ok", needs: [train]}
)";

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ws.write("reported.yaml", k_pipeline);
    for (const char* score : {"0.5", "0.625", "0.75"}) {
      auto run = run_mlops({"run", "reported.yaml", "-p", std::string("score=") + score},
                           {ws.path(), {}, std::nullopt});
      ASSERT_EQ(run.exit_code, 0) << run.err;
    }
    auto report =
        run_mlops({"report", "latest", "-o", "out/report.html"}, {ws.path(), {}, std::nullopt});
    ASSERT_EQ(report.exit_code, 0) << report.err;
    EXPECT_NE(report.out.find("wrote out/report.html (run "), std::string::npos) << report.out;
    html = ws.read("out/report.html");
  }
  Workspace ws;
  std::string html;
};

TEST_F(ReportTest, IsSelfContained) {
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  // The only URL is the SVG namespace, which is a name, not a request.
  size_t at = 0;
  while ((at = html.find("http", at)) != std::string::npos) {
    EXPECT_EQ(html.substr(at, 26), "http://www.w3.org/2000/svg") << html.substr(at, 60);
    at += 4;
  }
  EXPECT_NE(html.find("<td class=\"num\">0.75</td><td class=\"num\">0.625</td><td "
                      "class=\"num\"><span class=\"up\">+0.125</span>"),
            std::string::npos)
      << html;
}

TEST_F(ReportTest, OpensInHeadlessChromiumWithGraphTimelineAndPlots) {
  ASSERT_EQ(std::system("chromium --version > /dev/null 2>&1"), 0)
      << "chromium is missing: apt-get install chromium (scripts/install-deps.sh --test does)";
  std::string url = "file://" + (ws / "out/report.html").string();
  std::string flags =
      "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
      "--user-data-dir=" +
      shell_quote((ws / "chromium-profile").string());
  std::string dom =
      run_shell("chromium " + flags + " --dump-dom " + shell_quote(url) + " 2>/dev/null").out;
  ASSERT_NE(dom.find("<svg"), std::string::npos) << dom.substr(0, 500);
  // The graph: every stage, coloured by status, and the edges between them.
  for (const char* stage : {"prepare", "train", "evaluate"}) {
    EXPECT_NE(dom.find(std::string("class=\"stage status-")), std::string::npos);
    EXPECT_NE(dom.find(std::string("data-stage=\"") + stage + "\""), std::string::npos) << stage;
  }
  EXPECT_NE(dom.find("data-stage=\"prepare\" data-status=\"cached\""), std::string::npos);
  EXPECT_NE(dom.find("data-stage=\"train\" data-status=\"succeeded\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"edge\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"timeline\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"bar status-succeeded\" data-stage=\"train\""), std::string::npos);
  // A plot per metric, three runs, the current one marked.
  EXPECT_NE(dom.find("data-metric=\"train: auc\""), std::string::npos);
  EXPECT_NE(dom.find("(3 runs)"), std::string::npos);
  EXPECT_NE(dom.find("class=\"point current\""), std::string::npos);
  EXPECT_NE(dom.find("model.txt"), std::string::npos);

  std::string shot = (ws / "report.png").string();
  run_shell("chromium " + flags + " --window-size=1200,1600 --screenshot=" + shell_quote(shot) +
            " " + shell_quote(url) + " > /dev/null 2>&1");
  ASSERT_TRUE(ws.exists("report.png"));
  std::string png = ws.read("report.png");
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_GT(png.size(), 20000u) << "a blank page compresses to almost nothing";
}

TEST(ReportErrorsTest, UnknownRunIsAClearError) {
  Workspace ws;
  ws.write("p.yaml", "version: 1\nname: p\nstages:\n  a: {run: 'true'}\n");
  ASSERT_EQ(run_mlops({"run", "p.yaml"}, {ws.path(), {}, std::nullopt}).exit_code, 0);
  auto result = run_mlops({"report", "nope"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("nope"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace mlops::e2e
