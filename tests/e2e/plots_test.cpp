// Plots (`plots:` outs, `mlops plots`) and what the HTML report shows of a failed stage, end to
// end: two runs overlaid from the cache, bad files as messages, the stderr tail with secrets
// redacted, the params table.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_pipeline = R"(version: 1
name: plotted
params: {gain: 0.5}
stages:
  evaluate:
    run: |
      printf 'fpr,tpr\n0,0\n0.5,${params.gain}\n1,1\n' > roc.csv
      printf 'actual,predicted\ncat,cat\ncat,dog\ndog,dog\n' > confusion.csv
      printf '{"loss": [1, 2,' > broken.json
    plots:
      - {path: roc.csv, x: fpr, y: tpr, title: ROC curve, x_label: false positive rate}
      - {path: confusion.csv, template: confusion}
      - broken.json
)";

class PlotsTest : public WorkspaceTest {
 protected:
  void SetUp() override { ws.write("pipeline.yaml", k_pipeline); }
  std::string run(const std::string& gain, const std::string& name) {
    CommandResult result = mlops({"run", "pipeline.yaml", "-p", "gain=" + gain, "--name", name});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return latest_run();
  }
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST_F(PlotsTest, TwoRunsAreOverlaidFromTheCacheNotTheWorkspace) {
  std::string low = run("0.6", "low");
  std::string high = run("0.9", "high");
  ws.write("roc.csv", "not,a\nplot,file\n");  // the workspace's copy is not what the runs wrote
  CommandResult plots = mlops({"plots", "low", high, "-o", "p.html"});
  ASSERT_EQ(plots.exit_code, 0) << plots.err;
  EXPECT_EQ(plots.out, "wrote p.html (3 plots of 2 runs, " +
                           std::to_string((ws.read("p.html").size() + 1023) / 1024) + " KiB)\n");
  std::string html = ws.read("p.html");
  EXPECT_NE(html.find("data-series=\"" + low + " (low)\""), std::string::npos) << html;
  EXPECT_NE(html.find("data-series=\"" + high + " (high)\""), std::string::npos);
  EXPECT_NE(html.find(">false positive rate</text>"), std::string::npos);
  EXPECT_NE(html.find("<strong>ROC curve</strong>"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"legend-entry\""), 2u);
  EXPECT_EQ(count(html, "<table class=\"confusion\""), 2u);
  EXPECT_EQ(count(html, "cannot draw broken.json: not valid JSON"), 2u);
  EXPECT_EQ(html.find("cannot draw roc.csv"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);

  auto json = nlohmann::json::parse(mlops({"plots", "low", "high", "--json"}).out);
  EXPECT_TRUE(json["output"].is_null());
  ASSERT_EQ(json["plots"].size(), 3u);
  const auto& roc = json["plots"][2];
  EXPECT_EQ(roc["path"], "roc.csv");
  EXPECT_EQ(roc["runs"][0]["rows"], 3);
  EXPECT_NE(roc["runs"][0]["digest"], roc["runs"][1]["digest"]);
  EXPECT_EQ(store_value("SELECT COUNT(*) FROM artifacts WHERE kind = 'plots'"), "4");

  CommandResult compared = mlops({"compare", "low", "high"});
  EXPECT_NE(compared.out.find("roc.csv"), std::string::npos) << compared.out;
  EXPECT_EQ(mlops({"plots", "low", "nosuch"}).exit_code, 2);
  EXPECT_EQ(mlops({"plots", "low", "low"}).exit_code, 2);
}

// A store row is untrusted: a run whose recorded pipeline file was changed to lead outside the
// workspace draws its plots with the defaults; the file outside is never read.
TEST_F(PlotsTest, ATamperedPipelinePathInTheStoreIsNotReadOutsideTheWorkspace) {
  std::string id = run("0.6", "low");
  Workspace outside;
  outside.write("evil.yaml",
                std::string(k_pipeline)
                    .replace(std::string(k_pipeline).find("ROC curve"), 9, "FROM OUTSIDE"));
  for (const std::string& path : {"../" + outside.path().filename().string() + "/evil.yaml",
                                  (outside / "evil.yaml").string()}) {
    ShellResult planted = run_shell("sqlite3 '" + (ws / ".mlops/store.db").string() +
                                    "' \"UPDATE runs SET pipeline_file = '" + path + "'\"");
    ASSERT_EQ(planted.status, 0) << planted.out;
    ASSERT_EQ(mlops({"plots", id, "-o", "p.html"}).exit_code, 0);
    EXPECT_EQ(ws.read("p.html").find("FROM OUTSIDE"), std::string::npos) << path;
    ASSERT_EQ(mlops({"report", id, "-o", "r.html"}).exit_code, 0);
    EXPECT_EQ(ws.read("r.html").find("FROM OUTSIDE"), std::string::npos) << path;
  }
  // The same file inside the workspace is read: the test can tell.
  ws.write("inside.yaml", outside.read("evil.yaml"));
  ASSERT_EQ(run_shell("sqlite3 '" + (ws / ".mlops/store.db").string() +
                      "' \"UPDATE runs SET pipeline_file = 'inside.yaml'\"")
                .status,
            0);
  ASSERT_EQ(mlops({"plots", id, "-o", "p.html"}).exit_code, 0);
  EXPECT_NE(ws.read("p.html").find("FROM OUTSIDE"), std::string::npos);
}

TEST_F(PlotsTest, APlotIsRestoredFromTheCacheLikeAnyOut) {
  run("0.6", "first");
  std::filesystem::remove(ws / "roc.csv");
  CommandResult again = mlops({"run", "pipeline.yaml", "-p", "gain=0.6"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ws.read("roc.csv"), "fpr,tpr\n0,0\n0.5,0.6\n1,1\n");
}

constexpr const char* k_failing = R"(version: 1
name: failing
params: {lr: 0.1, depth: 3}
stages:
  train:
    run: |
      for i in $(seq 1 60); do echo "progress line $i <b>" >&2; done
      echo "token is $API_TOKEN" >&2
      exit 3
    env: {API_TOKEN: s3cr3t-value-123}
)";

TEST_F(PlotsTest, ReportOfAFailedStageShowsItsStderrTailExitReasonAndParams) {
  ws.write("failing.yaml", k_failing);
  CommandResult failed = mlops({"run", "failing.yaml", "-p", "lr=0.2"});
  ASSERT_EQ(failed.exit_code, 1) << failed.err;
  CommandResult report = mlops({"report", "latest", "-o", "r.html"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::string html = ws.read("r.html");
  EXPECT_NE(html.find("failed: <span class=\"exit-reason\">exit code 3</span>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("progress line 60 &lt;b&gt;"), std::string::npos);
  EXPECT_NE(html.find("progress line 12 &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("progress line 11 "), std::string::npos);  // the last 50 lines only
  EXPECT_EQ(html.find("s3cr3t-value-123"), std::string::npos);
  EXPECT_NE(html.find("token is ***"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"params\">"), std::string::npos);
  EXPECT_NE(html.find("<tr><td><code>lr</code></td><td><code>0.2</code></td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"now\"><code>0.1</code></td>"), std::string::npos);
}

}  // namespace
}  // namespace mlops::e2e
