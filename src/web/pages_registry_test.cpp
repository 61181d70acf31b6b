#include <string>

#include <gtest/gtest.h>

#include "app/models.hpp"
#include "app/models_json.hpp"
#include "app/workspace_test_util.hpp"
#include "util/time_format.hpp"
#include "web/pages_registry.hpp"
#include "web/pages_test_util.hpp"

namespace mlops::web {
namespace {

class RegistryPagesTest : public testing::WorkspaceTest {
 protected:
  // Registers a version of `model` holding `text` directly in the store (no name check: a
  // tampered store may hold any name).
  ModelVersionRecord register_version(const std::string& model, const std::string& text) {
    write("models/model.pkl", text);
    ArtifactVersion cached = cache("models/model.pkl");
    ModelVersionRecord version;
    version.model = model;
    version.path = cached.path;
    version.kind = cached.kind;
    version.digest = cached.digest;
    version.size = cached.size;
    version.run_id = "run-1";
    version.created_at = "2026-01-01T00:00:00.000Z";
    auto registered = store().register_model_version(version);
    EXPECT_TRUE(registered.ok()) << registered.error().message();
    return registered.ok() ? *registered : version;
  }
  Page get(const std::string& pattern, std::map<std::string, std::string> params = {},
           std::multimap<std::string, std::string> query = {}) {
    return testing::get_page(registry_routes(), *space, pattern, std::move(params),
                             std::move(query));
  }
};

TEST_F(RegistryPagesTest, NoModelsIsAHelpfulEmptyState) {
  Page page = get("/models");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("no models registered yet: see docs/registry.md"), std::string::npos);
  EXPECT_EQ(page.api, nlohmann::json::parse(R"({"models": []})"));
}

TEST_F(RegistryPagesTest, ListsModelsAndShowsVersionsAliasesHistoryAndGates) {
  register_version("churn", "one");
  register_version("churn", "two");
  GateResultRecord gate;
  gate.model = "churn";
  gate.version = 2;
  gate.verdict = "passed";
  gate.created_at = "2026-01-02T00:00:00.000Z";
  ASSERT_TRUE(store().record_gate(gate, std::nullopt).ok());
  PromoteRequest promote;
  promote.model = "churn";
  promote.version = 2;
  promote.alias = "champion";
  promote.actor = "tester@host";
  FakeWallClock clock(*parse_utc_iso("2026-11-24T02:00:00Z"));
  ASSERT_TRUE(promote_model(store(), promote, clock).ok());

  Page list = get("/models");
  EXPECT_NE(list.body.find("href=\"/models/churn\""), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("champion=v2"), std::string::npos);
  EXPECT_EQ(list.api, model_list_json(*list_models(store())));

  Page page = get("/models/{name}", {{"name", "churn"}});
  EXPECT_EQ(page.status, 200);
  for (const char* expected : {"v1", "v2", "champion", "passed", "tester@host", "promote",
                               "href=\"/runs/run-1\"", "href=\"/lineage?model=churn%40v2\""}) {
    EXPECT_NE(page.body.find(expected), std::string::npos) << expected << "\n" << page.body;
  }
  // `models show --json` with `models history --json`'s moves under "history".
  nlohmann::json expected = model_details_json(*show_model(store(), {"churn", 20, std::nullopt}));
  expected["history"] =
      model_history_json("churn", *model_history(store(), "churn", std::nullopt))["moves"];
  EXPECT_EQ(page.api, expected);
  EXPECT_EQ(page.api["history"].size(), 1u);
}

TEST_F(RegistryPagesTest, ANameFromATamperedStoreIsEscapedEverywhere) {
  const std::string evil = "<script>alert(1)</script>";
  register_version(evil, "bytes");
  Page list = get("/models");
  EXPECT_EQ(list.body.find("<script>"), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(list.body.find("href=\"/models/%3Cscript%3Ealert%281%29%3C%2Fscript%3E\""),
            std::string::npos)
      << list.body;
  Page page = get("/models/{name}", {{"name", evil}});  // not a valid name: never found
  EXPECT_EQ(page.status, 404);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << page.body;
}

TEST_F(RegistryPagesTest, AnUnknownModelIsA404AndExportListsEveryModel) {
  EXPECT_EQ(get("/models/{name}", {{"name", "nope"}}).status, 404);
  register_version("churn", "one");
  register_version("fraud", "two");
  for (const Route& route : registry_routes()) {
    auto paths = route.export_list(*space);
    ASSERT_TRUE(paths.ok());
    if (route.pattern == "/models/{name}") {
      EXPECT_EQ(*paths, (std::vector<std::string>{"/models/churn", "/models/fraud"}));
    } else {
      EXPECT_EQ(*paths, std::vector<std::string>{"/models"});
    }
  }
}

}  // namespace
}  // namespace mlops::web
