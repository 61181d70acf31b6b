#include <string>

#include <gtest/gtest.h>

#include "app/lineage.hpp"
#include "app/workspace_test_util.hpp"
#include "util/time_format.hpp"
#include "web/pages_lineage.hpp"
#include "web/pages_test_util.hpp"

namespace mlops::web {
namespace {

class LineagePagesTest : public testing::WorkspaceTest {
 protected:
  // Run `run_id` whose stage `stage` read `input` and wrote `output`.
  void record(const std::string& run_id, const std::string& stage,
              const std::vector<ArtifactVersion>& inputs, const ArtifactVersion& output) {
    RunRecord run;
    run.id = run_id;
    run.pipeline = "train";
    run.pipeline_file = "pipeline.yaml";
    run.host = "elsewhere";
    run.started_at = "2026-01-01T00:00:00.000Z";
    ASSERT_TRUE(store().begin_run(run).ok());
    ExecutionRecord execution;
    execution.run_id = run_id;
    execution.stage = stage;
    execution.command = "make";
    execution.started_at = run.started_at;
    auto id = store().begin_execution(execution);
    ASSERT_TRUE(id.ok());
    execution.id = *id;
    execution.status = "succeeded";
    execution.exit_code = 0;
    execution.ended_at = run.started_at;
    ASSERT_TRUE(store().finish_execution({execution, inputs, {output}, {}}).ok());
    ASSERT_TRUE(store().finish_run(run_id, "succeeded", run.started_at).ok());
  }
  Page get(std::multimap<std::string, std::string> query) {
    return testing::get_page(lineage_routes(), *space, lineage_routes().at(0).pattern, {},
                             std::move(query));
  }
};

TEST_F(LineagePagesTest, DrawsTheGraphOfAPathWithRunLinksAndTheCliJson) {
  write("data.csv", "a,b\n");
  ArtifactVersion data = cache("data.csv");
  write("model.pkl", "weights");
  ArtifactVersion model = cache("model.pkl");
  record("run-1", "<script>alert(1)</script>", {data}, model);

  Page page = get({{"path", "model.pkl"}});
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<svg"), std::string::npos);
  EXPECT_NE(page.body.find("<a href=\"/runs/run-1\">"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("data.csv"), std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // `mlops lineage model.pkl --json`'s document.
  auto root = find_lineage_root(store(), "model.pkl");
  ASSERT_TRUE(root.ok() && root->has_value());
  EXPECT_EQ(page.api, lineage_json(*walk_lineage(store(), **root, LineageDirection::Upstream, 10)));

  Page down = get({{"path", "./data.csv"}, {"direction", "downstream"}});
  EXPECT_EQ(down.api["direction"], "downstream");
  EXPECT_EQ(down.api["executions"].size(), 1u);
}

TEST_F(LineagePagesTest, AModelVersionLeadsToTheArtifactHoldingItsBytes) {
  write("model.pkl", "weights");
  ArtifactVersion model = cache("model.pkl");
  record("run-1", "fit", {}, model);
  ModelVersionRecord version;
  version.model = "churn";
  version.path = model.path;
  version.kind = model.kind;
  version.digest = model.digest;
  version.size = model.size;
  version.created_at = "2026-01-01T00:00:00.000Z";
  ASSERT_TRUE(store().register_model_version(version).ok());
  for (const char* reference : {"churn@v1", "churn:1", "churn:v1"}) {
    Page page = get({{"model", reference}});
    EXPECT_EQ(page.status, 200) << reference;
    EXPECT_NE(page.body.find("href=\"/runs/run-1\""), std::string::npos) << reference;
  }
  Page start = get({});
  EXPECT_NE(start.body.find("href=\"/lineage?model=churn%40v1\""), std::string::npos) << start.body;
  auto paths = lineage_routes().at(0).export_list(*space);
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(*paths, (std::vector<std::string>{"/lineage", "/lineage?model=churn%40v1"}));
}

TEST_F(LineagePagesTest, UnknownPathsAndModelsAre404AndNoFileIsRead) {
  write("on-disk-only.txt", "secret");  // in the workspace but never recorded
  EXPECT_EQ(get({{"path", "on-disk-only.txt"}}).status, 404);
  Page page = get({{"path", "/etc/passwd"}});
  EXPECT_EQ(page.status, 404);
  EXPECT_EQ(page.body.find("root:"), std::string::npos);
  EXPECT_EQ(get({{"model", "nope@v1"}}).status, 404);
  Page evil = get({{"model", "<script>@v1"}});
  EXPECT_EQ(evil.status, 404);
  EXPECT_EQ(evil.body.find("<script>"), std::string::npos);
  Page empty = get({});
  EXPECT_NE(empty.body.find("no models registered yet"), std::string::npos);
}

}  // namespace
}  // namespace mlops::web
