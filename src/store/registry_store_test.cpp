#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

ModelVersionRecord candidate(const std::string& digest, const std::string& model = "churn") {
  ModelVersionRecord version;
  version.model = model;
  version.path = "models/model.pkl";
  version.kind = "file";
  version.digest = digest;
  version.size = 10;
  version.run_id = "r1";
  version.pipeline = "train";
  version.stage = "train";
  version.created_at = "2026-12-02T10:00:00.000Z";
  return version;
}

AliasMoveRequest promotion(int64_t version, std::optional<int64_t> expected = std::nullopt) {
  AliasMoveRequest request;
  request.model = "churn";
  request.alias = "champion";
  request.version = version;
  request.expected_current = expected;
  request.actor = "ann@host";
  request.at = "2026-12-02T10:01:00.000Z";
  return request;
}

GateResultRecord gate(int64_t version, const std::string& verdict) {
  GateResultRecord record;
  record.model = "churn";
  record.version = version;
  record.verdict = verdict;
  record.metrics_json = R"({"auc":0.8})";
  record.created_at = "2026-12-02T10:00:30.000Z";
  return record;
}

class RegistryStoreTest : public testing::OpenStoreEngineTest {
 protected:
};

MLOPS_STORE_ENGINES(RegistryStoreTest);

TEST_P(RegistryStoreTest, NewBytesAreANewVersionAndKnownBytesTheSameOne) {
  auto first = store->register_model_version(candidate("aa"));
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->version, 1);
  EXPECT_TRUE(first->created);
  auto second = store->register_model_version(candidate("bb"));
  EXPECT_EQ(second->version, 2);
  auto again = store->register_model_version(candidate("aa"));
  EXPECT_EQ(again->version, 1);
  EXPECT_FALSE(again->created);
  // Numbers are per model.
  EXPECT_EQ(store->register_model_version(candidate("aa", "fraud"))->version, 1);
  auto model = store->find_model("churn");
  ASSERT_TRUE(model.ok() && *model);
  EXPECT_EQ((*model)->versions, 2);
  EXPECT_EQ((*model)->latest, 2);
  auto versions = store->model_versions("churn", 10, std::nullopt);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  EXPECT_EQ(store->model_versions("churn", 10, 2)->size(), 1u);
  EXPECT_EQ(store->list_models()->size(), 2u);
}

TEST_P(RegistryStoreTest, PromotionNeedsAPassingGateUnlessForced) {
  ASSERT_TRUE(store->register_model_version(candidate("aa")).ok());
  auto refused = store->move_alias(promotion(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("no gate result"), std::string::npos);
  ASSERT_TRUE(store->record_gate(gate(1, "failed"), std::nullopt).ok());
  refused = store->move_alias(promotion(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("failed gate result"), std::string::npos);
  AliasMoveRequest forced = promotion(1);
  forced.require_passing_gate = false;
  forced.action = "force";
  forced.reason = "hotfix";
  auto moved = store->move_alias(forced);
  ASSERT_TRUE(moved.ok()) << moved.error().message();
  EXPECT_FALSE(moved->from_version);
  auto history = store->alias_history("churn", std::string("champion"));
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].action, "force");
  EXPECT_EQ((*history)[0].reason, "hotfix");
  EXPECT_EQ(store->resolve_alias("churn", "champion")->value().version, 1);
}

TEST_P(RegistryStoreTest, APassingGateMovesTheAliasInItsTransaction) {
  ASSERT_TRUE(store->register_model_version(candidate("aa")).ok());
  auto id = store->record_gate(gate(1, "passed_without_baseline"), promotion(1, 0));
  ASSERT_TRUE(id.ok()) << id.error().message();
  auto history = store->alias_history("churn", std::nullopt);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].gate_result, *id);
  // A failed gate is recorded and moves nothing.
  ASSERT_TRUE(store->register_model_version(candidate("bb")).ok());
  ASSERT_TRUE(store->record_gate(gate(2, "failed"), promotion(2, 1)).ok());
  EXPECT_EQ(store->resolve_alias("churn", "champion")->value().version, 1);
  EXPECT_EQ(store->latest_gate_result("churn", 2)->value().verdict, "failed");
  // A compare-and-swap that no longer holds writes neither the gate result nor the move.
  ASSERT_TRUE(store->register_model_version(candidate("cc")).ok());
  auto stale = store->record_gate(gate(3, "passed"), promotion(3, 2));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind(), ErrorKind::Conflict);
  EXPECT_FALSE(store->latest_gate_result("churn", 3)->has_value());
}

TEST_P(RegistryStoreTest, CompareAndSwapRefusesAMovedAlias) {
  ASSERT_TRUE(store->register_model_version(candidate("aa")).ok());
  ASSERT_TRUE(store->register_model_version(candidate("bb")).ok());
  ASSERT_TRUE(store->record_gate(gate(1, "passed"), std::nullopt).ok());
  ASSERT_TRUE(store->record_gate(gate(2, "passed"), std::nullopt).ok());
  ASSERT_TRUE(store->move_alias(promotion(1, 0)).ok());
  auto stale = store->move_alias(promotion(2, 0));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind(), ErrorKind::Conflict);
  EXPECT_NE(stale.error().message().find("alias moved concurrently"), std::string::npos);
  ASSERT_TRUE(store->move_alias(promotion(2, 1)).ok());
  EXPECT_EQ(store->alias_history("churn", std::nullopt)->size(), 2u);
}

TEST_P(RegistryStoreTest, TagsOnModelsAndVersions) {
  ASSERT_TRUE(store->register_model_version(candidate("aa")).ok());
  ASSERT_TRUE(store->set_model_tag("churn", 0, "team", std::string("growth")).ok());
  ASSERT_TRUE(store->set_model_tag("churn", 1, "status", std::string("ok")).ok());
  EXPECT_EQ(store->find_model("churn")->value().tags.size(), 1u);
  EXPECT_EQ(store->model_tags("churn", 1)->at(0).value, "ok");
  ASSERT_TRUE(store->set_model_tag("churn", 1, "status", std::nullopt).ok());
  EXPECT_TRUE(store->model_tags("churn", 1)->empty());
  EXPECT_EQ(store->set_model_tag("churn", 9, "a", std::string("b")).error().kind(),
            ErrorKind::NotFound);
}

TEST_P(RegistryStoreTest, TriggerEvaluationsNewestFirst) {
  std::vector<TriggerEvaluation> evaluations(3);
  for (size_t i = 0; i < evaluations.size(); ++i) {
    evaluations[i].pipeline = "p";
    evaluations[i].trigger_key = "metric m";
    evaluations[i].at = "t" + std::to_string(i);
    evaluations[i].state_before = "ARMED";
    evaluations[i].state_after = "PENDING";
  }
  ASSERT_TRUE(store->record_trigger_evaluations(evaluations).ok());
  auto read = store->trigger_evaluations("p", 2);
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].at, "t2");
}

// Eight writers on their own connections register versions at once: every version number is
// used exactly once (mlflow#22635's MAX()+1 race cannot happen).
class RegistryConcurrencyTest : public testing::StoreEngineTest {};
MLOPS_STORE_ENGINES(RegistryConcurrencyTest);

TEST_P(RegistryConcurrencyTest, ConcurrentWritersNeverShareAVersionNumber) {
  std::string path = locator;
  ASSERT_TRUE(SqlStore::open(path).ok());
  constexpr int k_writers = 8;
  constexpr int k_each = 10;
  std::vector<std::thread> writers;
  std::vector<std::vector<int64_t>> numbers(k_writers);
  std::atomic<int> failures{0};
  for (int w = 0; w < k_writers; ++w) {
    writers.emplace_back([&, w] {
      auto store = SqlStore::open(path);
      if (!store.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < k_each; ++i) {
        auto version = (*store)->register_model_version(
            candidate("d" + std::to_string(w) + "-" + std::to_string(i)));
        if (!version.ok()) {
          ++failures;
          continue;
        }
        numbers[static_cast<size_t>(w)].push_back(version->version);
      }
    });
  }
  for (auto& writer : writers) {
    writer.join();
  }
  EXPECT_EQ(failures.load(), 0);
  std::set<int64_t> seen;
  for (const auto& list : numbers) {
    seen.insert(list.begin(), list.end());
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(k_writers * k_each));
  EXPECT_EQ(*seen.rbegin(), k_writers * k_each);
}

// Two promoters race to move champion from version 1, each expecting 1: exactly one wins and
// the history has one move for the race.
TEST_P(RegistryConcurrencyTest, TwoPromotersExactlyOneWins) {
  std::string path = locator;
  {
    auto store = SqlStore::open(path);
    ASSERT_TRUE(store.ok());
    for (const char* digest : {"aa", "bb", "cc"}) {
      ASSERT_TRUE((*store)->register_model_version(candidate(digest)).ok());
    }
    for (int64_t v = 1; v <= 3; ++v) {
      ASSERT_TRUE((*store)->record_gate(gate(v, "passed"), std::nullopt).ok());
    }
    ASSERT_TRUE((*store)->move_alias(promotion(1, 0)).ok());
  }
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> wins{0};
    std::atomic<int> conflicts{0};
    int64_t current = round % 2 == 0 ? 1 : 0;
    {
      auto store = SqlStore::open(path);
      current = (*store)->resolve_alias("churn", "champion")->value().version;
    }
    std::vector<std::thread> promoters;
    for (int64_t target : {int64_t{2}, int64_t{3}}) {
      promoters.emplace_back([&, target] {
        auto store = SqlStore::open(path);
        auto moved = (*store)->move_alias(promotion(target == current ? 1 : target, current));
        if (moved.ok()) {
          ++wins;
        } else if (moved.error().kind() == ErrorKind::Conflict) {
          ++conflicts;
        }
      });
    }
    for (auto& promoter : promoters) {
      promoter.join();
    }
    EXPECT_EQ(wins.load(), 1) << "round " << round;
    EXPECT_EQ(conflicts.load(), 1) << "round " << round;
  }
  auto store = SqlStore::open(path);
  EXPECT_EQ((*store)->alias_history("churn", std::nullopt)->size(), 21u);
}

}  // namespace
}  // namespace mlops
