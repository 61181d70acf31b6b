// The experiments table: the filter grammar, filters, sorting, columns and changed columns.
#include "app/experiments.hpp"

#include <gtest/gtest.h>

#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"

namespace mlops {
namespace {

// On both engines: the bulk reads (tags, metrics of many runs) are SQL of each engine's own.
class ExperimentsTest : public testing::OpenStoreEngineTest {
 protected:
  void add_run(const std::string& id, const std::string& params, double auc,
               std::map<std::string, std::string> tags = {}) {
    RunRecord run = testing::sample_run(id, "2026-01-01T00:00:0" + id.substr(1) + ".000Z");
    run.params_json = params;
    run.name = "exp-" + id;
    run.tags = std::move(tags);
    ASSERT_TRUE(store->begin_run(run).ok());
    ExecutionRecord execution;
    execution.run_id = id;
    execution.stage = "train";
    execution.command = "c";
    execution.started_at = "t";
    execution.id = *store->begin_execution(execution);
    execution.status = "succeeded";
    ASSERT_TRUE(store->finish_execution({execution, {}, {}, {{"auc", auc}}}).ok());
  }

  std::vector<std::string> ids(const ExperimentQuery& query) {
    auto table = experiment_table(*store, query);
    EXPECT_TRUE(table.ok()) << table.error().message();
    std::vector<std::string> out;
    for (const auto& row : table->rows) {
      out.push_back(row.run.id);
    }
    return out;
  }
};

TEST(ExperimentFilterTest, BadFiltersSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"metrics.auc", "invalid filter 'metrics.auc': write FIELD OP VALUE with OP one of"},
      {">0.5", "invalid filter '>0.5': write FIELD OP VALUE"},
      {"colour=red", "unknown field 'colour': write id, name, pipeline"},
      {"metrics.=1", "unknown field 'metrics.'"},
      {"metrics.auc>high", "'>' compares numbers, and 'high' is not one"},
      {"metrics.auc!0.5", "write FIELD OP VALUE"},
  };
  for (const Case& c : cases) {
    auto filter = parse_experiment_filter(c.text);
    ASSERT_FALSE(filter.ok()) << c.text;
    EXPECT_EQ(filter.error().kind(), ErrorKind::Usage);
    EXPECT_NE(filter.error().message().find(c.message), std::string::npos)
        << filter.error().message();
  }
  auto filter = parse_experiment_filter("params.train.lr <= 0.5");
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter->field, "params.train.lr");
  EXPECT_EQ(filter->op, "<=");
  EXPECT_EQ(filter->value, "0.5");
  EXPECT_EQ(parse_experiment_filter("tag:team==churn")->op, "=");
}

TEST_P(ExperimentsTest, FiltersCompareNumbersAsNumbersAndTextAsText) {
  add_run("r1", R"({"lr": 0.1, "model": {"kind": "tree"}})", 0.7, {{"team", "churn"}});
  add_run("r2", R"({"lr": 0.10, "model": {"kind": "linear"}})", 0.9, {{"team", "fraud"}});
  add_run("r3", R"({"lr": 1e-2})", 0.85);
  using V = std::vector<std::string>;
  auto query = [](std::vector<std::string> filters) {
    ExperimentQuery q;
    q.filters = std::move(filters);
    return q;
  };
  EXPECT_EQ(ids(query({"metrics.auc>0.8"})), (V{"r3", "r2"}));
  EXPECT_EQ(ids(query({"params.lr=0.1"})), (V{"r2", "r1"}));
  EXPECT_EQ(ids(query({"params.lr!=0.1"})), (V{"r3"}));
  EXPECT_EQ(ids(query({"tag:team=churn"})), (V{"r1"}));
  EXPECT_EQ(ids(query({"params.model.kind~ine"})), (V{"r2"}));
  EXPECT_EQ(ids(query({"name~exp-r", "metrics.auc<=0.85"})), (V{"r3", "r1"}));
  EXPECT_EQ(ids(query({"tags.team!=churn"})), (V{"r2"}));  // r3 has no tag: never matches
}

TEST_P(ExperimentsTest, SortLimitColumnsAndChangedColumns) {
  add_run("r1", R"({"lr": 0.1, "depth": 3})", 0.7);
  add_run("r2", R"({"lr": 0.2, "depth": 3})", 0.9);
  add_run("r3", R"({"lr": 0.3, "depth": 3})", 0.8);
  ExperimentQuery query;
  query.sort = "-metrics.auc";
  query.limit = 2;
  query.params = true;
  query.metrics = true;
  auto table = experiment_table(*store, query);
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0].run.id, "r2");
  EXPECT_EQ(table->rows[1].run.id, "r3");
  std::vector<std::string> columns = {"id",           "name",      "status",     "tags",
                                      "params.depth", "params.lr", "metrics.auc"};
  EXPECT_EQ(table->columns, columns);
  EXPECT_EQ(table->changed, (std::set<std::string>{"params.lr", "metrics.auc"}));
  query.sort = "params.lr";
  query.columns = {"name", "metrics.auc"};
  EXPECT_EQ(experiment_table(*store, query)->columns, query.columns);
  EXPECT_EQ(ids(query), (std::vector<std::string>{"r1", "r2"}));
  query.columns = {"nope"};
  EXPECT_FALSE(experiment_table(*store, query).ok());
}

MLOPS_STORE_ENGINES(ExperimentsTest);

}  // namespace
}  // namespace mlops
