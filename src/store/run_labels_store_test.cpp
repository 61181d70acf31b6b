// Names, notes and tags of runs (schema version 10) and the bulk reads of the experiments table,
// on both engines.
#include <gtest/gtest.h>

#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"

namespace mlops {
namespace {

class RunLabelsStoreTest : public testing::OpenStoreEngineTest {
 protected:
  RunRecord make_run(const std::string& id, const std::string& started_at) {
    return testing::sample_run(id, started_at);
  }

  void add_metric(const std::string& run, const std::string& stage, const std::string& key,
                  double value) {
    ExecutionRecord execution;
    execution.run_id = run;
    execution.stage = stage;
    execution.command = "c";
    execution.started_at = "t";
    auto id = store->begin_execution(execution);
    ASSERT_TRUE(id.ok()) << id.error().message();
    execution.id = *id;
    execution.status = "succeeded";
    execution.ended_at = "t";
    ASSERT_TRUE(store->finish_execution({execution, {}, {}, {{key, value}}}).ok());
  }
};

TEST_P(RunLabelsStoreTest, NameNoteAndTagsAreWrittenWithTheRunAndReadBack) {
  RunRecord run = make_run("20260101-000000-aaaa", "2026-01-01T00:00:00.000Z");
  run.name = "baseline";
  run.note = "first try\nwith a second line";
  run.tags = {{"team", "churn"}, {"owner", "ann o'neil; rm -rf /"}};
  ASSERT_TRUE(store->begin_run(run).ok());
  ASSERT_TRUE(store->begin_run(make_run("20260101-000001-bbbb", "2026-01-01T00:00:01.000Z")).ok());

  auto found = store->find_run(run.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->name, "baseline");
  EXPECT_EQ((*found)->note, run.note);
  EXPECT_EQ((*found)->tags, run.tags);

  auto listed = store->list_runs({std::nullopt, std::nullopt, 10});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_TRUE((*listed)[0].tags.empty());
  EXPECT_FALSE((*listed)[0].name);
  EXPECT_EQ((*listed)[1].tags, run.tags);
}

TEST_P(RunLabelsStoreTest, TagsAreSetReplacedAndRemovedAndNotesCleared) {
  RunRecord run = make_run("20260101-000000-aaaa", "2026-01-01T00:00:00.000Z");
  run.tags = {{"team", "churn"}, {"stage", "dev"}};
  ASSERT_TRUE(store->begin_run(run).ok());
  ASSERT_TRUE(store->update_run_tags(run.id, {{"team", "fraud"}, {"new", "x"}}, {"stage"}).ok());
  ASSERT_TRUE(store->set_run_note(run.id, std::string("looks good")).ok());
  auto found = store->find_run(run.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  std::map<std::string, std::string> expected = {{"team", "fraud"}, {"new", "x"}};
  EXPECT_EQ((*found)->tags, expected);
  EXPECT_EQ((*found)->note, "looks good");
  ASSERT_TRUE(store->set_run_note(run.id, std::nullopt).ok());
  EXPECT_FALSE((*store->find_run(run.id))->note);
}

TEST_P(RunLabelsStoreTest, ChangingAMissingRunIsNotFound) {
  Status tagged = store->update_run_tags("nope", {{"a", "b"}}, {});
  ASSERT_FALSE(tagged.ok());
  EXPECT_EQ(tagged.error().kind(), ErrorKind::NotFound);
  Status noted = store->set_run_note("nope", std::string("x"));
  ASSERT_FALSE(noted.ok());
  EXPECT_EQ(noted.error().kind(), ErrorKind::NotFound);
}

TEST_P(RunLabelsStoreTest, RunsNamedListsEveryRunOfANameNewestFirst) {
  for (int i = 0; i < 3; ++i) {
    RunRecord run = make_run("2026010" + std::to_string(i + 1) + "-000000-aaaa",
                             "2026-01-0" + std::to_string(i + 1) + "T00:00:00.000Z");
    run.name = i < 2 ? "exp" : "other";
    ASSERT_TRUE(store->begin_run(run).ok());
  }
  auto named = store->runs_named("exp", 5);
  ASSERT_TRUE(named.ok());
  std::vector<std::string> expected = {"20260102-000000-aaaa", "20260101-000000-aaaa"};
  EXPECT_EQ(*named, expected);
  EXPECT_TRUE(store->runs_named("none", 5)->empty());
}

TEST_P(RunLabelsStoreTest, MetricsOfRunsReadsOnlyTheNamedRuns) {
  for (const char* id : {"r1", "r2", "r\"3\\"}) {
    ASSERT_TRUE(store->begin_run(make_run(id, "2026-01-01T00:00:00.000Z")).ok());
  }
  add_metric("r1", "train", "auc", 0.8);
  add_metric("r2", "train", "auc", 0.9);
  add_metric("r\"3\\", "eval", "loss", 1.5);
  auto metrics = store->metrics_of_runs({"r1", "r\"3\\"});
  ASSERT_TRUE(metrics.ok()) << metrics.error().message();
  ASSERT_EQ(metrics->size(), 2u);  // by run id, in byte order
  EXPECT_EQ((*metrics)[0].run_id, "r\"3\\");
  EXPECT_EQ((*metrics)[0].key, "loss");
  EXPECT_EQ((*metrics)[1].run_id, "r1");
  EXPECT_DOUBLE_EQ((*metrics)[1].value, 0.8);
  EXPECT_TRUE(store->metrics_of_runs({})->empty());
}

MLOPS_STORE_ENGINES(RunLabelsStoreTest);

}  // namespace
}  // namespace mlops
