#include <sys/stat.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "app/models.hpp"
#include "app/workspace_test_util.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

TEST(ModelReferenceTest, ParsesAliasesVersionsAndBareNames) {
  auto alias = parse_model_reference("churn@champion", ReferenceForm::Version);
  ASSERT_TRUE(alias.ok()) << alias.error().message();
  EXPECT_EQ(alias->model, "churn");
  EXPECT_EQ(alias->alias, "champion");
  EXPECT_EQ(alias->label(), "champion");
  auto version = parse_model_reference("churn.v2-x@v12", ReferenceForm::Version);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->version, 12);
  EXPECT_EQ(version->label(), "v12");
  auto bare = parse_model_reference("churn", ReferenceForm::ModelOrVersion);
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->alias || bare->version);
}

TEST(ModelReferenceTest, RejectsBadReferencesSayingHowToWriteThem) {
  struct Case {
    const char* text;
    ReferenceForm form;
    const char* message;
  };
  const Case cases[] = {
      {"churn", ReferenceForm::Version,
       "'churn' names no version: write churn@ALIAS (such as churn@champion) or churn@vN (such "
       "as churn@v3)"},
      {"churn@", ReferenceForm::Version,
       "'churn@' has nothing after '@': write churn@ALIAS or "
       "churn@vN"},
      {"churn@v0", ReferenceForm::Version,
       "'churn@v0': versions are numbered from 1 (write "
       "churn@v1)"},
      {"-churn@v1", ReferenceForm::Version,
       "'-churn' is not a model name: write a letter or digit, then up to 63 letters, digits, "
       "'_', '.' or '-'"},
      {"churn@a/b", ReferenceForm::Version,
       "'a/b' is not an alias: write a letter or digit, then up to 63 letters, digits, '_', '.' "
       "or '-'"},
      {"churn@champion", ReferenceForm::ModelOrVersion,
       "'churn@champion': name the model (churn) or one version by number (churn@v3), not an "
       "alias"},
      {"../x@v1", ReferenceForm::Version,
       "'../x' is not a model name: write a letter or digit, then up to 63 letters, digits, "
       "'_', '.' or '-'"},
  };
  for (const Case& c : cases) {
    auto parsed = parse_model_reference(c.text, c.form);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::Usage);
    EXPECT_EQ(parsed.error().message(), c.message) << c.text;
  }
}

TEST(ModelReferenceTest, NamesAndAliasesFollowTheRule) {
  EXPECT_TRUE(is_valid_model_name("a"));
  EXPECT_TRUE(is_valid_model_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_model_name(std::string(65, 'a')));
  EXPECT_FALSE(is_valid_model_name(""));
  EXPECT_FALSE(is_valid_model_name("a b"));
  EXPECT_FALSE(is_valid_model_name(".hidden"));
  EXPECT_TRUE(is_valid_alias("v1x"));
  EXPECT_TRUE(is_valid_alias("v"));
  EXPECT_FALSE(is_valid_alias("v12"));
  EXPECT_EQ(check_alias("v3").error().message(),
            "'v3' cannot be an alias: v<digits> names a version (NAME@v3); choose a name such as "
            "champion or staging");
  EXPECT_EQ(*parse_model_version("v3"), 3);
  EXPECT_EQ(*parse_model_version("3"), 3);
  EXPECT_FALSE(parse_model_version("0").ok());
  EXPECT_FALSE(parse_model_version("3x").ok());
  EXPECT_FALSE(parse_model_version("").ok());
}

TEST(ModelReferenceTest, TagAssignments) {
  auto tag = parse_tag_assignment("owner=risk=team");
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->key, "owner");
  EXPECT_EQ(tag->value, "risk=team");
  EXPECT_TRUE(parse_tag_assignment("empty=").ok());
  EXPECT_FALSE(parse_tag_assignment("=x").ok());
  EXPECT_FALSE(parse_tag_assignment("novalue").ok());
}

AliasMove move_to(int64_t version, const char* action) {
  AliasMove move;
  move.to_version = version;
  move.action = action;
  return move;
}

TEST(RollbackTargetTest, ReplaysTheHistoryAsAStack) {
  EXPECT_EQ(rollback_target({}), std::nullopt);
  EXPECT_EQ(rollback_target({move_to(1, "promote")}), std::nullopt);
  EXPECT_EQ(rollback_target({move_to(1, "promote"), move_to(2, "gate"), move_to(3, "force")}), 2);
  EXPECT_EQ(rollback_target({move_to(1, "promote"), move_to(2, "promote"), move_to(3, "promote"),
                             move_to(2, "rollback")}),
            1);
  EXPECT_EQ(rollback_target({move_to(1, "promote"), move_to(2, "promote"), move_to(1, "rollback")}),
            std::nullopt);
  EXPECT_EQ(rollback_target({move_to(1, "promote"), move_to(2, "promote"), move_to(1, "rollback"),
                             move_to(3, "promote")}),
            1);
}

class ModelsTest : public testing::WorkspaceTest {
 protected:
  void SetUp() override {
    WorkspaceTest::SetUp();
    for (const char* text : {"one", "two", "three"}) {
      write("models/model.pkl", text);
      ArtifactVersion cached = cache("models/model.pkl");
      ModelVersionRecord version;
      version.model = "churn";
      version.path = cached.path;
      version.kind = cached.kind;
      version.digest = cached.digest;
      version.size = cached.size;
      version.pipeline = "train";
      version.stage = "fit";
      version.created_at = "2026-01-01T00:00:00.000Z";
      auto registered = store().register_model_version(version);
      ASSERT_TRUE(registered.ok()) << registered.error().message();
      versions.push_back(*registered);
    }
  }
  void pass_gate(int64_t version, const char* verdict = "passed") {
    GateResultRecord gate;
    gate.model = "churn";
    gate.version = version;
    gate.verdict = verdict;
    gate.created_at = "2026-01-01T00:00:00.000Z";
    ASSERT_TRUE(store().record_gate(gate, std::nullopt).ok());
  }
  Result<AliasMove> promote(int64_t version, std::optional<int64_t> expected = std::nullopt) {
    PromoteRequest request = promotion(version);
    request.expected_current = expected;
    request.actor = "tester@host";
    return promote_model(store(), request, clock);
  }
  static PromoteRequest promotion(int64_t version) {
    PromoteRequest request;
    request.model = "churn";
    request.version = version;
    request.alias = "champion";
    return request;
  }
  FakeWallClock clock{*parse_utc_iso("2026-11-24T02:00:00Z")};
  std::vector<ModelVersionRecord> versions;
};

TEST_F(ModelsTest, PromoteNeedsAPassingGateUnlessForcedWithAReason) {
  auto refused = promote(1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind(), ErrorKind::Usage);
  pass_gate(1);
  auto moved = promote(1, 0);
  ASSERT_TRUE(moved.ok()) << moved.error().message();
  EXPECT_EQ(moved->action, "promote");
  EXPECT_EQ(moved->at, "2026-11-24T02:00:00.000Z");
  EXPECT_EQ(moved->actor, "tester@host");

  PromoteRequest force = promotion(2);
  force.gate = GateRequirement::Force;
  auto no_reason = promote_model(store(), force, clock);
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.error().message(),
            "--force promotes churn v2 to champion without a passing gate: say why with "
            "--reason TEXT (it is kept in the alias's history)");
  force.reason = "hotfix";
  auto forced = promote_model(store(), force, clock);
  ASSERT_TRUE(forced.ok()) << forced.error().message();
  EXPECT_EQ(forced->action, "force");
  EXPECT_EQ(forced->from_version, 1);
  EXPECT_EQ(forced->reason, "hotfix");
  EXPECT_EQ(forced->actor, model_actor());
}

TEST_F(ModelsTest, ExpectCurrentIsACompareAndSwap) {
  pass_gate(1);
  pass_gate(2);
  ASSERT_TRUE(promote(1, 0).ok());
  auto conflict = promote(2, 0);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().kind(), ErrorKind::Conflict);
  EXPECT_EQ(conflict.error().message(),
            "alias moved concurrently: churn@champion is held by version 1, not the expected "
            "none; see `mlops models history churn --alias champion` and try again with "
            "--expect-current set to the version that holds it now");
  EXPECT_TRUE(promote(2, 1).ok());
}

TEST_F(ModelsTest, RollbackWalksBackAndStopsAtTheFirstVersion) {
  for (int64_t v : {1, 2, 3}) {
    pass_gate(v);
    ASSERT_TRUE(promote(v).ok());
  }
  RollbackRequest request{"churn", "champion", std::string("bad"), "tester@host"};
  auto first = rollback_model(store(), request, clock);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->from_version, 3);
  EXPECT_EQ(first->to_version, 2);
  EXPECT_EQ(first->action, "rollback");
  auto second = rollback_model(store(), request, clock);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->to_version, 1);
  auto none = rollback_model(store(), request, clock);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind(), ErrorKind::Usage);
  EXPECT_EQ(none.error().message(),
            "churn@champion has held only v1: there is no earlier version to roll back to; "
            "promote one with `mlops models promote churn VERSION --alias champion`");
  EXPECT_EQ(model_history(store(), "churn", std::string("champion"))->size(), 5u);
}

TEST_F(ModelsTest, ResolveAndShow) {
  pass_gate(2, "failed");
  pass_gate(3);
  ASSERT_TRUE(promote(3).ok());
  EXPECT_EQ(resolve_model(store(), {"churn", std::string("champion"), std::nullopt})->version, 3);
  EXPECT_EQ(resolve_model(store(), {"churn", std::nullopt, 2})->version, 2);
  auto missing = resolve_model(store(), {"churn", std::string("staging"), std::nullopt});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "model 'churn' has no alias 'staging'; `mlops models show churn` lists its versions "
            "and aliases");
  auto unknown = resolve_model(store(), {"fraud", std::nullopt, 1});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(unknown.error().message(),
            "no model named 'fraud' in the store; `mlops models list` shows the models there are");

  auto shown = show_model(store(), {"churn", 2, std::nullopt});
  ASSERT_TRUE(shown.ok()) << shown.error().message();
  EXPECT_TRUE(shown->more);
  ASSERT_EQ(shown->versions.size(), 2u);
  EXPECT_EQ(shown->versions[0].record.version, 3);
  EXPECT_EQ(shown->versions[0].aliases, std::vector<std::string>{"champion"});
  EXPECT_EQ(shown->versions[0].gate->verdict, "passed");
  EXPECT_EQ(shown->versions[1].gate->verdict, "failed");
  auto all = show_model(store(), {"churn", std::nullopt, std::nullopt});
  EXPECT_EQ(all->versions.size(), 3u);
  EXPECT_FALSE(all->more);
}

TEST_F(ModelsTest, TagsOnTheModelAndOnAVersion) {
  auto tags = tag_model(store(), {"churn", 2, {{"stage", "prod"}, {"owner", "risk"}}, {}});
  ASSERT_TRUE(tags.ok()) << tags.error().message();
  EXPECT_EQ(tags->size(), 2u);
  tags = tag_model(store(), {"churn", 2, {}, {"owner"}});
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ(tags->at(0).key, "stage");
  EXPECT_TRUE(store().model_tags("churn", 0)->empty());
  auto missing = tag_model(store(), {"churn", 9, {{"a", "b"}}, {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "model 'churn' has no version 9; `mlops models show churn` lists its versions");
}

TEST_F(ModelsTest, MaterializeRestoresFromTheCacheAndReplacesATamperedCopy) {
  auto path = materialize_model(*space, versions[0], "v1");
  ASSERT_TRUE(path.ok()) << path.error().message();
  EXPECT_EQ(*path, ".mlops/models/churn@v1");
  EXPECT_EQ(read(*path), "one");
  // Unchanged: left alone (the same inode).
  struct stat before {};
  ASSERT_EQ(::stat((root / *path).c_str(), &before), 0);
  ASSERT_TRUE(materialize_model(*space, versions[0], "v1").ok());
  struct stat after {};
  ASSERT_EQ(::stat((root / *path).c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  // Same size, different bytes: replaced.
  std::filesystem::permissions(root / *path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  write(*path, "eno");
  ASSERT_TRUE(materialize_model(*space, versions[0], "v1").ok());
  EXPECT_EQ(read(*path), "one");
}

TEST_F(ModelsTest, ConcurrentMaterializationsOfOnePathBothSucceed) {
  std::vector<Result<std::string>> results(4, Error(ErrorKind::Internal, "not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      auto other = Workspace::open(root, root / ".mlops" / "store.db", StoreMode::Existing);
      results[i] = other.ok() ? materialize_model(*other, versions[1], "champion") : other.error();
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.error().message();
  }
  EXPECT_EQ(read(".mlops/models/churn@champion"), "two");
}

TEST_F(ModelsTest, MaterializeTakesTheWorkspaceCopyWhenTheCacheLostIt) {
  // models/model.pkl holds "three", version 3; the cache loses it.
  std::filesystem::remove(space->objects().object_path(versions[2].digest));
  auto path = materialize_model(*space, versions[2], "champion");
  ASSERT_TRUE(path.ok()) << path.error().message();
  EXPECT_EQ(read(*path), "three");
  EXPECT_TRUE(space->objects().has(versions[2].digest, false));
  // Neither cached nor in the workspace.
  std::filesystem::remove(space->objects().object_path(versions[0].digest));
  auto missing = materialize_model(*space, versions[0], "v1");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(missing.error().message(),
            "model 'churn' v1 (digest " + versions[0].digest.substr(0, 12) +
                "): its bytes are not in the object cache (removed by gc, or never cached) and "
                "models/model.pkl no longer holds them; re-run the pipeline 'train' (stage "
                "'fit') to write them again");
}

TEST_F(ModelsTest, MaterializeRefusesAStoredPathLeavingTheWorkspace) {
  ModelVersionRecord outside = versions[0];
  outside.path = "../elsewhere/model.pkl";
  std::filesystem::remove(space->objects().object_path(outside.digest));
  auto refused = materialize_model(*space, outside, "v1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind(), ErrorKind::Corrupt);
  ModelVersionRecord bad_name = versions[0];
  bad_name.model = "../../etc";
  EXPECT_EQ(materialize_model(*space, bad_name, "v1").error().kind(), ErrorKind::Usage);
}

}  // namespace
}  // namespace mlops
