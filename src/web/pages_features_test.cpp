#include <string>

#include <gtest/gtest.h>

#include "app/feature_group_views.hpp"
#include "app/feature_store.hpp"
#include "app/workspace_test_util.hpp"
#include "features/feature_store_test_util.hpp"
#include "web/pages_features.hpp"
#include "web/pages_test_util.hpp"

namespace mlops::web {
namespace {

class FeaturePagesTest : public testing::WorkspaceTest {
 protected:
  Page get(const std::string& pattern, std::map<std::string, std::string> params = {}) {
    return testing::get_page(features_routes(), *space, pattern, std::move(params));
  }
};

TEST_F(FeaturePagesTest, NoGroupsIsAHelpfulEmptyStateAndAnUnknownGroupA404) {
  Page page = get("/feature-groups");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("no feature groups yet"), std::string::npos);
  EXPECT_EQ(page.api, nlohmann::json::array());
  EXPECT_EQ(get("/feature-groups/{name}", {{"name", "customer"}}).status, 404);
  Page evil = get("/feature-groups/{name}", {{"name", "<script>alert(1)</script>"}});
  EXPECT_EQ(evil.status, 404);
  EXPECT_EQ(evil.body.find("<script>"), std::string::npos) << evil.body;
}

TEST_F(FeaturePagesTest, ShowsCommitsAndStatisticsWithTheCliJson) {
  std::filesystem::path fs_root = feature_store_root(root);
  {
    auto group = FeatureGroupStore::open(fs_root, testing::customer_spec());
    ASSERT_TRUE(group.ok()) << group.error().message();
    testing::insert_csv(**group, root,
                        "1,2026-01-01T00:00:00Z,0.5,<b>gold</b>\n2,2026-01-01T00:00:00Z,1.5,basic");
  }
  Page list = get("/feature-groups");
  EXPECT_EQ(list.api, feature_group_list_json(list_feature_groups(fs_root)));
  EXPECT_NE(list.body.find("href=\"/feature-groups/customer\""), std::string::npos) << list.body;

  Page page = get("/feature-groups/{name}", {{"name", "customer"}});
  EXPECT_EQ(page.status, 200);
  for (const char* expected : {"customer_id", "score", "+2 ~0 -0", "Statistics of commit 1"}) {
    EXPECT_NE(page.body.find(expected), std::string::npos) << expected << "\n" << page.body;
  }
  auto group = FeatureGroupStore::open_existing(fs_root, "customer", 0);
  ASSERT_TRUE(group.ok());
  // `fg show --json` (with 20 commits) and `fg stats --json` under "statistics".
  nlohmann::json expected =
      feature_group_overview_json(**group, *feature_group_overview(**group, 20));
  expected["statistics"] = feature_stats_json("customer", 1, *(*group)->commit_stats(1));
  EXPECT_EQ(page.api, expected);
  EXPECT_EQ(page.api["statistics"]["features"]["score"]["count"], 2);
  auto paths = features_routes().at(1).export_list(*space);
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(*paths, std::vector<std::string>{"/feature-groups/customer"});
}

}  // namespace
}  // namespace mlops::web
