#include <string>

#include <gtest/gtest.h>

#include "app/record_json.hpp"
#include "app/workspace_test_util.hpp"
#include "web/pages_pipelines.hpp"
#include "web/pages_test_util.hpp"

namespace mlops::web {
namespace {

class PipelinesPagesTest : public testing::WorkspaceTest {
 protected:
  Page get(const std::string& pattern, std::map<std::string, std::string> params = {}) {
    return testing::get_page(pipelines_routes(), *space, pattern, std::move(params));
  }
};

TEST_F(PipelinesPagesTest, NoPipelinesIsAHelpfulEmptyState) {
  Page page = get("/pipelines");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("no pipelines yet"), std::string::npos);
  EXPECT_EQ(page.api, nlohmann::json::parse(R"({"pipelines": []})"));
  EXPECT_EQ(get("/pipelines/{name}", {{"name", "nope"}}).status, 404);
}

TEST_F(PipelinesPagesTest, ShowsStagesTriggersNextTimesAndTheLastRun) {
  write("pipeline.yaml",
        "version: 1\n"
        "name: nightly\n"
        "triggers:\n"
        "  schedule: {cron: \"0 3 * * *\", timezone: UTC}\n"
        "stages:\n"
        "  prepare:\n"
        "    run: echo hi > out.txt\n"
        "    outs: [out.txt]\n");
  record_run("run-7", "nightly", "2026-01-01T00:00:00.000Z", {}, "failed");
  Page list = get("/pipelines");
  ASSERT_EQ(list.api["pipelines"].size(), 1u) << list.api.dump();
  const nlohmann::json& entry = list.api["pipelines"][0];
  EXPECT_EQ(entry["name"], "nightly");
  EXPECT_EQ(entry["file"], "pipeline.yaml");
  EXPECT_EQ(entry["stages"], nlohmann::json::parse(R"(["prepare"])"));
  EXPECT_EQ(entry["triggers"][0]["kind"], "schedule");
  ASSERT_EQ(entry["schedules"][0]["next"].size(), 3u);
  EXPECT_EQ(entry["schedules"][0]["cron"], "0 3 * * *");
  EXPECT_EQ(entry["last_run"], run_json(**store().find_run("run-7")));
  for (const char* expected :
       {"href=\"/pipelines/nightly\"", "href=\"/runs/run-7\"", "failed", "schedule"}) {
    EXPECT_NE(list.body.find(expected), std::string::npos) << expected << "\n" << list.body;
  }

  Page page = get("/pipelines/{name}", {{"name", "nightly"}});
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("prepare"), std::string::npos);
  EXPECT_NE(page.body.find("Next scheduled times"), std::string::npos);
  EXPECT_EQ(page.api["explain"]["pipeline"], "nightly") << page.api.dump();
  EXPECT_EQ(page.api["explain"]["triggers"][0]["kind"], "schedule");
}

TEST_F(PipelinesPagesTest, APipelineKnownOnlyFromTheStoreIsEscaped) {
  const std::string evil = "<script>alert(1)</script>";
  record_run("run-1", evil, "2026-01-01T00:00:00.000Z", {});
  Page list = get("/pipelines");
  EXPECT_EQ(list.body.find("<script>"), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("href=\"/pipelines/%3Cscript%3Ealert%281%29%3C%2Fscript%3E\""),
            std::string::npos)
      << list.body;
  Page page = get("/pipelines/{name}", {{"name", evil}});
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << page.body;
  auto paths = pipelines_routes().at(1).export_list(*space);
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(paths->size(), 2u);
}

}  // namespace
}  // namespace mlops::web
