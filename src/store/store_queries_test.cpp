// The queries behind `mlops runs`, `show` and `lineage` (sqlite_store_queries.cpp): every
// combination of filters, ties, limits and prefixes, and the newest version of a path.
#include <gtest/gtest.h>

#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"

namespace mlops {
namespace {

class StoreQueriesTest : public testing::OpenStoreEngineTest {
 protected:
  void add_run(const std::string& id, const std::string& pipeline, const std::string& status,
               const std::string& started_at) {
    RunRecord run;
    run.id = id;
    run.pipeline = pipeline;
    run.pipeline_file = pipeline + ".yaml";
    run.pipeline_hash = "h";
    run.host = "host";
    run.user = "user";
    run.mlops_version = "0.1.0";
    run.started_at = started_at;
    ASSERT_TRUE(store->begin_run(run).ok());
    if (status != "running") {
      ASSERT_TRUE(store->finish_run(id, status, started_at).ok());
    }
  }

  // One succeeded execution of `run` that read `inputs` and wrote `outputs`; its id.
  int64_t execute(const std::string& run, const std::vector<ArtifactVersion>& inputs,
                  const std::vector<ArtifactVersion>& outputs, bool cached = false) {
    ExecutionRecord execution;
    execution.run_id = run;
    execution.stage = "s" + std::to_string(++m_stages);
    execution.command = "c";
    execution.started_at = "t";
    execution.cached = cached;
    auto id = store->begin_execution(execution);
    EXPECT_TRUE(id.ok());
    execution.id = *id;
    execution.status = "succeeded";
    execution.ended_at = "t";
    Status finished = store->finish_execution({execution, inputs, outputs, {}});
    EXPECT_TRUE(finished.ok()) << finished.error().message();
    return *id;
  }

  std::vector<std::string> ids(const RunFilter& filter) {
    auto runs = store->list_runs(filter);
    EXPECT_TRUE(runs.ok()) << runs.error().message();
    std::vector<std::string> out;
    for (const auto& run : *runs) {
      out.push_back(run.id);
    }
    return out;
  }

  int m_stages = 0;
};

using Ids = std::vector<std::string>;

MLOPS_STORE_ENGINES(StoreQueriesTest);

TEST_P(StoreQueriesTest, ListsRunsNewestFirstWithEveryCombinationOfFilters) {
  add_run("a1", "a", "succeeded", "2026-01-01T00:00:01.000Z");
  add_run("b1", "b", "failed", "2026-01-01T00:00:02.000Z");
  add_run("a2", "a", "failed", "2026-01-01T00:00:03.000Z");
  add_run("a3", "a", "running", "2026-01-01T00:00:04.000Z");
  add_run("b2", "b", "succeeded", "2026-01-01T00:00:05.000Z");
  EXPECT_EQ(ids({}), (Ids{"b2", "a3", "a2", "b1", "a1"}));
  EXPECT_EQ(ids({std::nullopt, std::nullopt, 2}), (Ids{"b2", "a3"}));
  EXPECT_EQ(ids({"a", std::nullopt, 20}), (Ids{"a3", "a2", "a1"}));
  EXPECT_EQ(ids({std::nullopt, "failed", 20}), (Ids{"a2", "b1"}));
  EXPECT_EQ(ids({std::nullopt, "running", 20}), (Ids{"a3"}));
  EXPECT_EQ(ids({"b", "succeeded", 20}), (Ids{"b2"}));
  EXPECT_EQ(ids({"b", "running", 20}), (Ids{}));
  EXPECT_EQ(ids({"nope", std::nullopt, 20}), (Ids{}));
  // The same filters again (the statements are kept): the same answers.
  EXPECT_EQ(ids({"a", std::nullopt, 1}), (Ids{"a3"}));
  EXPECT_EQ(ids({}), (Ids{"b2", "a3", "a2", "b1", "a1"}));
}

TEST_P(StoreQueriesTest, RunsStartedInTheSameMillisecondAreOrderedById) {
  add_run("x-b", "p", "succeeded", "2026-01-01T00:00:01.000Z");
  add_run("x-c", "p", "succeeded", "2026-01-01T00:00:01.000Z");
  add_run("x-a", "p", "succeeded", "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(ids({}), (Ids{"x-c", "x-b", "x-a"}));
  EXPECT_EQ(ids({"p", std::nullopt, 20}), (Ids{"x-c", "x-b", "x-a"}));
  EXPECT_EQ(ids({std::nullopt, "succeeded", 20}), (Ids{"x-c", "x-b", "x-a"}));
}

TEST_P(StoreQueriesTest, RunIdsByPrefixAreARangeOfIds) {
  add_run("20260101-000001-aaaa", "p", "succeeded", "2026-01-01T00:00:01.000Z");
  add_run("20260101-000002-abcd", "p", "succeeded", "2026-01-01T00:00:02.000Z");
  add_run("20260102-000001-ffff", "p", "succeeded", "2026-01-02T00:00:01.000Z");
  add_run("2026010", "p", "succeeded", "2026-01-03T00:00:01.000Z");
  EXPECT_EQ(*store->run_ids("20260101-", 10),
            (Ids{"20260101-000002-abcd", "20260101-000001-aaaa"}));
  EXPECT_EQ(*store->run_ids("2026010", 10), (Ids{"2026010", "20260102-000001-ffff",
                                                 "20260101-000002-abcd", "20260101-000001-aaaa"}));
  EXPECT_EQ(*store->run_ids("2026010", 2), (Ids{"2026010", "20260102-000001-ffff"}));
  EXPECT_EQ(*store->run_ids("20260102-000001-ffff", 10), (Ids{"20260102-000001-ffff"}));
  EXPECT_EQ(*store->run_ids("2026-", 10), (Ids{}));
  EXPECT_EQ(*store->run_ids("%", 10), (Ids{}));           // no pattern characters
  EXPECT_EQ(store->run_ids("", 10)->front(), "2026010");  // every run
}

TEST_P(StoreQueriesTest, NewestArtifactIsTheVersionTheNewestExecutionUsed) {
  add_run("r1", "p", "succeeded", "2026-01-01T00:00:01.000Z");
  ArtifactVersion v1{"data/out.csv", "file", "d1", 1};
  ArtifactVersion v2{"data/out.csv", "file", "d2", 2};
  EXPECT_FALSE(store->newest_artifact("data/out.csv")->has_value());
  int64_t first = execute("r1", {}, {v1});
  execute("r1", {}, {v2});
  auto newest = store->newest_artifact("data/out.csv");
  ASSERT_TRUE(newest.ok() && newest->has_value());
  EXPECT_EQ((*newest)->digest, "d2");
  // A revert: v1 written again (here reused from the cache) is the newest again, and still
  // names the execution that produced it.
  int64_t reuse = execute("r1", {}, {v1}, /*cached=*/true);
  newest = store->newest_artifact("data/out.csv");
  ASSERT_TRUE(newest.ok() && newest->has_value());
  EXPECT_EQ((*newest)->digest, "d1");
  EXPECT_EQ((*newest)->producer, std::optional<int64_t>(first));
  EXPECT_EQ((*newest)->reused_in, (Ids{"r1"}));
  // The same as the first of the history, which lists both.
  auto history = store->artifact_history("data/out.csv");
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].id, (*newest)->id);
  // Read by a later execution: still the newest use.
  execute("r1", {v2}, {});
  EXPECT_EQ((*store->newest_artifact("data/out.csv"))->digest, "d2");
  EXPECT_GT(reuse, first);
}

TEST_P(StoreQueriesTest, NewestArtifactFindsARevertMadeLongBeforeTheNewestVersion) {
  add_run("r1", "p", "succeeded", "2026-01-01T00:00:01.000Z");
  ArtifactVersion v1{"model.pkl", "model", "d1", 1};
  ArtifactVersion v2{"model.pkl", "model", "d2", 2};
  execute("r1", {}, {v1});
  execute("r1", {}, {v2});
  execute("r1", {v1}, {});  // back to v1 ...
  // ... then more executions than newest_artifact searches newest first, none using model.pkl.
  std::vector<ExecutionWrite> others(10'050);
  for (auto& write : others) {
    ExecutionRecord execution;
    execution.run_id = "r1";
    execution.stage = "other" + std::to_string(++m_stages);
    execution.command = "c";
    execution.started_at = "t";
    write.start = execution;
  }
  ASSERT_TRUE(store->record_batch(others).ok());
  auto newest = store->newest_artifact("model.pkl");
  ASSERT_TRUE(newest.ok() && newest->has_value());
  EXPECT_EQ((*newest)->digest, "d1");
  EXPECT_EQ((*newest)->id, (*store->artifact_history("model.pkl"))[0].id);
}

}  // namespace
}  // namespace mlops
