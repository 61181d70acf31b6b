// The model registry end to end (docs/registry.md): `mlops models` on a store whose versions were
// written by real runs (a pipeline whose stage writes models/model.pkl, so its bytes are in the
// object cache), registered and judged through the store's own API (SqlStore), as the run
// service and gates will do.
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"
#include "store/sql_store.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_training = R"(version: 1
name: training
params: {seed: 1}
stages:
  fit:
    run: mkdir -p models && printf 'model-%s' '${params.seed}' > models/model.pkl
    outs: [{path: models/model.pkl, type: model}]
)";

class ModelsTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    ws.write("pipeline.yaml", k_training);
    for (int seed = 1; seed <= 3; ++seed) {
      auto run = mlops({"run", "pipeline.yaml", "-q", "-p", "seed=" + std::to_string(seed)});
      ASSERT_EQ(run.exit_code, 0) << run.err;
      register_current(latest_run());
    }
  }
  std::unique_ptr<SqlStore> open_store() {
    auto store = SqlStore::open((ws / ".mlops/store.db").string());
    EXPECT_TRUE(store.ok()) << store.error().message();
    return std::move(*store);
  }
  // Registers what the run wrote to models/model.pkl as the next version of churn.
  void register_current(const std::string& run) {
    ModelVersionRecord version;
    version.model = "churn";
    version.path = "models/model.pkl";
    version.kind = "file";
    version.digest = store_value(
        "SELECT digest FROM artifacts WHERE path = 'models/model.pkl' ORDER BY id DESC LIMIT 1");
    version.size = 7;
    version.run_id = run;
    version.pipeline = "training";
    version.stage = "fit";
    version.created_at = "2026-11-24T00:00:00.000Z";
    auto registered = open_store()->register_model_version(version);
    ASSERT_TRUE(registered.ok()) << registered.error().message();
    digests.push_back(version.digest);
  }
  void judge(int64_t version, const char* verdict = "passed") {
    GateResultRecord gate;
    gate.model = "churn";
    gate.version = version;
    gate.verdict = verdict;
    gate.created_at = "2026-11-24T00:00:00.000Z";
    ASSERT_TRUE(open_store()->record_gate(gate, std::nullopt).ok());
  }
  void ok(std::vector<std::string> args) {
    auto result = mlops(args);
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  }
  nlohmann::json json_of(std::vector<std::string> args) {
    args.push_back("--json");
    auto result = mlops(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }
  std::vector<std::string> digests;  // of v1, v2, v3
};

TEST_F(ModelsTest, ListShowAndResolve) {
  judge(2);
  ok({"models", "promote", "churn", "2", "--alias", "champion"});
  auto list = json_of({"models", "list"});
  ASSERT_EQ(list["models"].size(), 1u);
  EXPECT_EQ(list["models"][0]["name"], "churn");
  EXPECT_EQ(list["models"][0]["version_count"], 3);
  EXPECT_EQ(list["models"][0]["latest_version"], 3);
  EXPECT_EQ(list["models"][0]["aliases"]["champion"], 2);

  auto show = json_of({"models", "show", "churn", "--limit", "2"});
  EXPECT_EQ(show["more"], true);
  ASSERT_EQ(show["versions"].size(), 2u);
  EXPECT_EQ(show["versions"][0]["version"], 3);
  EXPECT_TRUE(show["versions"][0]["gate"].is_null());
  EXPECT_EQ(show["versions"][1]["gate"]["verdict"], "passed");
  EXPECT_EQ(show["versions"][1]["aliases"], nlohmann::json::array({"champion"}));
  EXPECT_EQ(show["versions"][1]["digest"], digests[1]);
  EXPECT_EQ(json_of({"models", "show", "churn", "--all"})["versions"].size(), 3u);
  auto text = mlops({"models", "show", "churn", "-n", "1"});
  EXPECT_NE(text.out.find("(older versions left out: --all, or --limit N)"), std::string::npos);

  auto resolved = mlops({"models", "resolve", "churn@champion"});
  EXPECT_EQ(resolved.exit_code, 0);
  EXPECT_EQ(resolved.out, "2\n");
  EXPECT_EQ(resolved.err, "");
  EXPECT_EQ(mlops({"models", "resolve", "churn@v3"}).out, "3\n");
  auto as_json = json_of({"models", "resolve", "churn@champion"});
  EXPECT_EQ(as_json["version"], 2);
  EXPECT_EQ(as_json["alias"], "champion");
  EXPECT_EQ(as_json["path"], "models/model.pkl");
}

TEST_F(ModelsTest, BadReferencesAndUnknownNamesExit2WithWhatToDo) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const Case cases[] = {
      {{"models", "resolve", "churn@staging"},
       "mlops: error: model 'churn' has no alias 'staging'; `mlops models show churn` lists its "
       "versions and aliases\n"},
      {{"models", "resolve", "churn@v9"},
       "mlops: error: model 'churn' has no version 'v9'; `mlops models show churn` lists its "
       "versions and aliases\n"},
      {{"models", "resolve", "fraud@v1"},
       "mlops: error: no model named 'fraud' in the store; `mlops models list` shows the models "
       "there are\n"},
      {{"models", "resolve", "churn"},
       "mlops: error: 'churn' names no version: write churn@ALIAS (such as churn@champion) or "
       "churn@vN (such as churn@v3)\n"},
      {{"models", "promote", "churn", "2", "--alias", "v2"},
       "mlops: error: 'v2' cannot be an alias: v<digits> names a version (NAME@v3); choose a name "
       "such as champion or staging\n"},
      {{"models", "promote", "churn", "x", "--alias", "champion"},
       "mlops: error: 'x' is not a version: write a number from 1, such as 3 or v3\n"},
      {{"models", "show", "fraud"},
       "mlops: error: no model named 'fraud' in the store; `mlops models list` shows the models "
       "there are\n"},
  };
  for (const Case& c : cases) {
    auto result = mlops(c.args);
    EXPECT_EQ(result.exit_code, 2) << c.args[2];
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, c.error);
  }
}

TEST_F(ModelsTest, PromoteNeedsAGateOrForceWithAReason) {
  auto refused = mlops({"models", "promote", "churn", "1", "--alias", "champion"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.err,
            "mlops: error: churn@v1 has no gate result: promote it with --force --reason TEXT to "
            "override, or run the pipeline whose gate judges it\n");
  judge(1);
  auto promoted = mlops({"models", "promote", "churn", "v1", "--alias", "champion"});
  EXPECT_EQ(promoted.exit_code, 0) << promoted.err;
  EXPECT_EQ(promoted.out, "churn@champion: - -> v1 (promote)\n");
  auto no_reason = mlops({"models", "promote", "churn", "2", "--alias", "champion", "--force"});
  EXPECT_EQ(no_reason.exit_code, 2);
  EXPECT_EQ(no_reason.err,
            "mlops: error: --force promotes churn v2 to champion without a passing gate: say why "
            "with --reason TEXT (it is kept in the alias's history)\n");
  ok({"models", "promote", "churn", "2", "--alias", "champion", "--force", "--reason", "hotfix"});
  auto history = json_of({"models", "history", "churn"});
  ASSERT_EQ(history["moves"].size(), 2u);
  const auto& forced = history["moves"][1];
  EXPECT_EQ(forced["action"], "force");
  EXPECT_EQ(forced["reason"], "hotfix");
  EXPECT_EQ(forced["from_version"], 1);
  EXPECT_EQ(forced["to_version"], 2);
  EXPECT_NE(forced["actor"].get<std::string>().find('@'), std::string::npos);
  EXPECT_TRUE(history["moves"][0]["reason"].is_null());
}

TEST_F(ModelsTest, ExpectCurrentRefusesAMovedAlias) {
  judge(1);
  judge(2);
  ok({"models", "promote", "churn", "1", "--alias", "champion", "--expect-current", "none"});
  auto moved =
      mlops({"models", "promote", "churn", "2", "--alias", "champion", "--expect-current", "none"});
  EXPECT_EQ(moved.exit_code, 2);
  EXPECT_EQ(moved.err,
            "mlops: error: alias moved concurrently: churn@champion is held by version 1, not the "
            "expected none; see `mlops models history churn --alias champion` and try again with "
            "--expect-current set to the version that holds it now\n");
  ok({"models", "promote", "churn", "2", "--alias", "champion", "--expect-current", "v1"});
}

TEST_F(ModelsTest, RollbackTwiceWalksBack) {
  for (int version = 1; version <= 3; ++version) {
    judge(version);
    ok({"models", "promote", "churn", std::to_string(version), "--alias", "champion"});
  }
  auto first = mlops({"models", "rollback", "churn", "--alias", "champion", "--reason", "auc"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "churn@champion: v3 -> v2 (rollback: auc)\n");
  auto second = json_of({"models", "rollback", "churn", "--alias", "champion"});
  EXPECT_EQ(second["from_version"], 2);
  EXPECT_EQ(second["to_version"], 1);
  auto none = mlops({"models", "rollback", "churn", "--alias", "champion"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err,
            "mlops: error: churn@champion has held only v1: there is no earlier version to roll "
            "back to; promote one with `mlops models promote churn VERSION --alias champion`\n");
  auto history = json_of({"models", "history", "churn", "--alias", "champion"});
  ASSERT_EQ(history["moves"].size(), 5u);
  EXPECT_EQ(history["moves"][3]["action"], "rollback");
  EXPECT_EQ(history["moves"][3]["reason"], "auc");
  EXPECT_EQ(mlops({"models", "resolve", "churn@champion"}).out, "1\n");
  auto text = mlops({"models", "history", "churn"});
  EXPECT_NE(text.out.find("v3 -> v2  rollback"), std::string::npos) << text.out;
}

TEST_F(ModelsTest, TagsOnTheModelAndOnVersions) {
  ok({"models", "tag", "churn", "owner=risk", "team=ml"});
  auto tagged = json_of({"models", "tag", "churn@v2", "stage=prod"});
  EXPECT_EQ(tagged["version"], 2);
  EXPECT_EQ(tagged["tags"]["stage"], "prod");
  auto removed = json_of({"models", "tag", "churn", "--remove", "team"});
  EXPECT_EQ(removed["tags"], nlohmann::json({{"owner", "risk"}}));
  auto show = json_of({"models", "show", "churn"});
  EXPECT_EQ(show["model"]["tags"], nlohmann::json({{"owner", "risk"}}));
  EXPECT_EQ(show["versions"][1]["tags"]["stage"], "prod");
  auto bad = mlops({"models", "tag", "churn", "owner"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "mlops: error: 'owner' is not a tag: write KEY=VALUE (such as owner=risk-team); remove "
            "one with --remove KEY\n");
}

TEST_F(ModelsTest, ResolvePathRestoresFromTheCacheAndReplacesATamperedCopy) {
  judge(2);
  ok({"models", "promote", "churn", "2", "--alias", "champion"});
  std::filesystem::remove(ws / "models/model.pkl");  // only the cache holds v2 now
  auto resolved = mlops({"models", "resolve", "churn@champion", "--path"});
  ASSERT_EQ(resolved.exit_code, 0) << resolved.err;
  EXPECT_EQ(resolved.out, ".mlops/models/churn@champion\n");
  EXPECT_EQ(resolved.err, "");
  EXPECT_EQ(ws.read(".mlops/models/churn@champion"), "model-2");
  EXPECT_EQ(mlops({"models", "resolve", "churn@v1", "--path"}).out, ".mlops/models/churn@v1\n");
  EXPECT_EQ(ws.read(".mlops/models/churn@v1"), "model-1");

  // Tampered with, same size: replaced by the version's bytes.
  std::filesystem::path copy = ws / ".mlops/models/churn@champion";
  std::filesystem::permissions(copy, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(copy, std::ios::binary | std::ios::trunc) << "model-X";
  ok({"models", "resolve", "churn@champion", "--path"});
  EXPECT_EQ(ws.read(".mlops/models/churn@champion"), "model-2");
}

TEST_F(ModelsTest, ResolvePathWithoutTheBytesSaysWhatToDo) {
  std::string object = digests[0].substr(0, 2) + "/" + digests[0].substr(2);
  std::filesystem::remove(ws / ".mlops/cache/objects" / object);
  auto missing = mlops({"models", "resolve", "churn@v1", "--path"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("model 'churn' v1 (digest " + digests[0].substr(0, 12) +
                             "): its bytes are not in the object cache"),
            std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("re-run the pipeline 'training' (stage 'fit')"), std::string::npos);
  EXPECT_FALSE(ws.exists(".mlops/models/churn@v1"));
  // v3 is what models/model.pkl holds: taken from the workspace when the cache lost it.
  object = digests[2].substr(0, 2) + "/" + digests[2].substr(2);
  std::filesystem::remove(ws / ".mlops/cache/objects" / object);
  ok({"models", "resolve", "churn@v3", "--path"});
  EXPECT_EQ(ws.read(".mlops/models/churn@v3"), "model-3");
}

TEST_F(ModelsTest, ConcurrentPromotesExpectingTheSameHolderOneWins) {
  for (int version = 1; version <= 3; ++version) {
    judge(version);
  }
  ok({"models", "promote", "churn", "1", "--alias", "champion"});
  RunOptions options{ws.path(), {}, std::nullopt};
  MlopsProcess a(
      {"models", "promote", "churn", "2", "--alias", "champion", "--expect-current", "1"}, options);
  MlopsProcess b(
      {"models", "promote", "churn", "3", "--alias", "champion", "--expect-current", "1"}, options);
  CommandResult results[] = {a.wait(), b.wait()};
  int succeeded = 0;
  for (const auto& result : results) {
    if (result.exit_code == 0) {
      ++succeeded;
      continue;
    }
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find("alias moved concurrently"), std::string::npos) << result.err;
  }
  EXPECT_EQ(succeeded, 1);
  EXPECT_EQ(store_value("SELECT count(*) FROM alias_history"), "2");
}

}  // namespace
}  // namespace mlops::e2e
