// `feature_groups:`, `datasets:`, outs ingested into a group, the artifact trigger on a group, and
// the dataset stages the loader makes.
#include "spec/feature_store_parser.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "spec/feature_store_loader.hpp"
#include "spec/spec_test_util.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

using testing::errors_of;
using testing::load_text;
using Errors = std::vector<std::string>;

// Lines 1-11; what a case appends starts at line 12.
const char* k_base =
    "version: 1\n"
    "name: p\n"
    "stages:\n"
    "  ingest:\n"
    "    run: x\n"
    "    outs: [{path: data/f.csv, feature_group: customers}]\n"
    "feature_groups:\n"
    "  customers:\n"
    "    primary_key: {customer_id: int}\n"
    "    event_time: ts\n"
    "    features: {spend: float, segment: string}\n";

std::string with(const std::string& more) {
  return k_base + more;
}

const char* k_full =
    "version: 1\n"
    "name: p\n"
    "stages:\n"
    "  labels:\n"
    "    run: x\n"
    "    outs: [data/labels.csv]\n"
    "  ingest:\n"
    "    run: x\n"
    "    outs:\n"
    "      - {path: data/customers.csv, feature_group: customers}\n"
    "      - data/other.csv\n"
    "feature_groups:\n"
    "  customers:\n"
    "    version: 2\n"
    "    description: per customer\n"
    "    primary_key: {customer_id: int, region: string}\n"
    "    event_time: ts\n"
    "    features:\n"
    "      spend_30d: float\n"
    "      segment: {type: string, nullable: false, description: tier}\n"
    "      active: bool\n"
    "    online: true\n"
    "    ttl: 30d\n"
    "    delay: 1h\n"
    "    validation: {rules: rules/customers.yaml, policy: always}\n"
    "  orders:\n"
    "    primary_key: {customer_id: int}\n"
    "    event_time: at\n"
    "    features: {n_orders: int, total: float}\n"
    "datasets:\n"
    "  churn_train:\n"
    "    spine: data/labels.csv\n"
    "    event_time: label_ts\n"
    "    features:\n"
    "      - customers\n"
    "      - {orders: [n_orders]}\n"
    "    exclusive: true\n"
    "    mode: known_time\n"
    "    split: {test: 0.2, seed: 7}\n"
    "    out: data/churn_train\n"
    "    compress: zstd\n"
    "triggers:\n"
    "  artifact: {feature_group: customers}\n";

TEST(FeatureStoreParserTest, ReadsGroupsDatasetsOutsAndTriggers) {
  auto result = load_text(k_full);
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  const Pipeline& p = *result.pipeline;
  ASSERT_EQ(p.feature_groups.size(), 2u);
  const FeatureGroupSpec& customers = p.feature_groups[0];
  EXPECT_EQ(customers.name, "customers");
  EXPECT_EQ(customers.version, 2);
  EXPECT_EQ(customers.description, "per customer");
  ASSERT_EQ(customers.primary_key.size(), 2u);
  EXPECT_EQ(customers.primary_key[0].name, "customer_id");
  EXPECT_EQ(customers.primary_key[0].type, FeatureType::Int);
  EXPECT_FALSE(customers.primary_key[0].nullable);
  EXPECT_EQ(customers.primary_key[1].type, FeatureType::String);
  EXPECT_EQ(customers.event_time, "ts");
  ASSERT_EQ(customers.features.size(), 3u);
  EXPECT_EQ(customers.features[0].name, "spend_30d");
  EXPECT_EQ(customers.features[0].type, FeatureType::Float);
  EXPECT_TRUE(customers.features[0].nullable);
  EXPECT_EQ(customers.features[1].type, FeatureType::String);
  EXPECT_FALSE(customers.features[1].nullable);
  EXPECT_EQ(customers.features[1].description, "tier");
  EXPECT_EQ(customers.features[2].type, FeatureType::Bool);
  EXPECT_TRUE(customers.online);
  EXPECT_EQ(customers.ttl, Milliseconds(30LL * 24 * 3600 * 1000));
  EXPECT_EQ(customers.delay, Milliseconds(3600 * 1000));
  EXPECT_EQ(customers.rules, "rules/customers.yaml");
  EXPECT_EQ(customers.validation_policy, "always");
  EXPECT_EQ(customers.mark.line, 13);
  const FeatureGroupSpec& orders = p.feature_groups[1];
  EXPECT_EQ(orders.version, 1);
  EXPECT_FALSE(orders.online);
  EXPECT_FALSE(orders.ttl);
  EXPECT_EQ(orders.delay, Milliseconds(0));
  EXPECT_EQ(orders.validation_policy, "strict");
  EXPECT_EQ(find_feature_group(p.feature_groups, "orders"), &orders);
  EXPECT_EQ(find_feature_group(p.feature_groups, "order"), nullptr);

  ASSERT_EQ(p.datasets.size(), 1u);
  const DatasetSpec& dataset = p.datasets[0];
  EXPECT_EQ(find_dataset(p.datasets, "churn_train"), &dataset);
  EXPECT_EQ(dataset.spine, "data/labels.csv");
  EXPECT_EQ(dataset.event_time, "label_ts");
  ASSERT_EQ(dataset.groups.size(), 2u);
  EXPECT_EQ(dataset.groups[0].group, "customers");
  EXPECT_TRUE(dataset.groups[0].features.empty());
  EXPECT_EQ(dataset.groups[1].group, "orders");
  EXPECT_EQ(dataset.groups[1].features, std::vector<std::string>{"n_orders"});
  EXPECT_TRUE(dataset.exclusive);
  EXPECT_EQ(dataset.mode, PitMode::KnownTime);
  EXPECT_EQ(dataset.test_fraction, 0.2);
  EXPECT_EQ(dataset.seed, 7u);
  EXPECT_FALSE(dataset.test_from);
  EXPECT_EQ(dataset.out, "data/churn_train");
  EXPECT_TRUE(dataset.compress);

  const Stage& ingest = p.stages[1];
  EXPECT_EQ(ingest.out_feature_groups, (std::vector<std::string>{"customers", ""}));
  EXPECT_EQ(ingest.out_models, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(ingest.out_types, (std::vector<std::string>{"", ""}));
  ASSERT_EQ(p.triggers.artifact.size(), 1u);
  EXPECT_EQ(p.triggers.artifact[0].feature_group, "customers");
  EXPECT_EQ(p.triggers.artifact[0].pipeline, "");
}

TEST(FeatureStoreParserTest, ADatasetIsABuiltinStageAfterTheSpineAndTheIngestingStages) {
  auto result = load_text(k_full);
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  const Pipeline& p = *result.pipeline;
  ASSERT_EQ(p.stages.size(), 3u);
  const Stage& stage = p.stages[2];
  EXPECT_EQ(stage.name, "churn_train");
  EXPECT_EQ(stage.builtin, "dataset");
  EXPECT_EQ(stage.command_kind, CommandKind::Argv);
  EXPECT_EQ(stage.argv, (std::vector<std::string>{"mlops", "dataset", "create", "churn_train",
                                                  "--pipeline=p.yaml"}));
  ASSERT_EQ(stage.deps.size(), 3u);
  EXPECT_EQ(stage.deps[0].value, "data/labels.csv");
  EXPECT_EQ(stage.deps[1].value, ".mlops/fs/customers/v2.head");
  EXPECT_EQ(stage.deps[2].value, ".mlops/fs/orders/v1.head");
  ASSERT_EQ(stage.outs.size(), 1u);
  EXPECT_EQ(stage.outs[0].value, "data/churn_train");
  EXPECT_EQ(stage.out_types, std::vector<std::string>{"dataset"});
  EXPECT_EQ(stage.out_feature_groups, std::vector<std::string>{""});
  // The spine's writer comes first through the deps (the graph); the ingesting stage by a need.
  EXPECT_EQ(stage.needs, std::vector<size_t>{1});
  EXPECT_EQ(stage.mark.line, 31);
  ASSERT_EQ(stage.env.size(), 1u);
  EXPECT_EQ(stage.env[0].first, "MLOPS_DATASET_DEFINITION");
  EXPECT_EQ(stage.env[0].second,
            "spine=data/labels.csv;event_time=label_ts;mode=known_time;exclusive=true;"
            "split=test=0.2,seed=7;compress=zstd;groups=customers@v2(keys=customer_id:int,"
            "region:string;time=ts;features=spend_30d:float,segment:string!,active:bool;"
            "ttl=2592000000;delay=3600000)[*];orders@v1(keys=customer_id:int;time=at;"
            "features=n_orders:int,total:float;ttl=none;delay=0)[n_orders]");
  EXPECT_EQ(feature_group_head_path("orders", 3), ".mlops/fs/orders/v3.head");
}

TEST(FeatureStoreParserTest, DatasetNeedsAsOfAndTimeSplit) {
  auto ok = load_text(
      "version: 1\nname: p\nstages:\n  a:\n    run: x\n  ingest:\n    run: x\n"
      "    outs: [{path: f.csv, feature_group: customers}]\n"
      "feature_groups:\n  customers:\n    primary_key: {id: string}\n    event_time: ts\n"
      "    features: {x: int}\n"
      "datasets:\n  d:\n    spine: ./data/../data/spine.csv\n"
      "    features: [{group: customers, features: '*', as_of: 3}]\n"
      "    split: {test_from: '2024-06-01'}\n    out: out/d/\n    needs: [a]\n");
  ASSERT_TRUE(ok.pipeline) << ok.diagnostics[0].message;
  const DatasetSpec& dataset = ok.pipeline->datasets[0];
  EXPECT_EQ(dataset.spine, "data/spine.csv");
  EXPECT_EQ(dataset.out, "out/d");
  EXPECT_EQ(dataset.groups[0].as_of, 3);
  EXPECT_EQ(dataset.test_from, "2024-06-01");
  EXPECT_FALSE(dataset.test_fraction);
  const Stage& stage = ok.pipeline->stages[2];
  // A group read as of a fixed commit does not change: no .head dep.
  ASSERT_EQ(stage.deps.size(), 1u);
  EXPECT_EQ(stage.deps[0].value, "data/spine.csv");
  EXPECT_EQ(stage.needs, (std::vector<size_t>{0, 1}));
}

TEST(FeatureStoreParserTest, AMatrixStageIngestingIntoAGroupKeepsOutsParallel) {
  auto result = load_text(
      "version: 1\nname: p\nstages:\n  ingest:\n    matrix: {day: [a, b]}\n    run: x\n"
      "    outs: ['log/${matrix.day}.txt', {path: 'f/${matrix.day}.csv', feature_group: g}]\n"
      "feature_groups:\n  g: {primary_key: {id: int}, event_time: ts, features: {x: float}}\n"
      "datasets:\n  d: {spine: s.csv, features: [g], out: o}\n");
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  const auto& stages = result.pipeline->stages;
  ASSERT_EQ(stages.size(), 3u);
  EXPECT_EQ(stages[1].out_feature_groups, (std::vector<std::string>{"", "g"}));
  EXPECT_EQ(stages[1].out_models, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(stages[2].needs, (std::vector<size_t>{0, 1}));
}

struct ErrorCase {
  const char* name;
  std::string text;
  Errors expected;
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

class FeatureStoreErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FeatureStoreErrorTest, ReportsExactly) {
  EXPECT_EQ(errors_of(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, FeatureStoreErrorTest,
    ::testing::Values(
        ErrorCase{"UnknownGroupKey",
                  with("    primary_keys: {a: int}\n"),
                  {"12:5: unknown key 'primary_keys' in feature group 'customers' (did you mean "
                   "'primary_key'?)"}},
        ErrorCase{"BadGroupName",
                  with("  Bad.Name: {primary_key: {a: int}, event_time: ts, features: {x: int}}\n"),
                  {"12:3: 'Bad.Name' is not a valid feature group name (use lowercase letters, "
                   "digits, _ and -, starting with a letter or digit, at most 64 characters)"}},
        ErrorCase{"FeatureNamedLikeAKey",
                  with("  g:\n    primary_key: {id: int}\n    event_time: ts\n"
                       "    features: {ID: int}\n"),
                  {"15:16: feature 'ID' in feature group 'g' has the name of the key column 'id'; "
                   "column names must differ (case is ignored)"}},
        ErrorCase{"FeatureNamedLikeTheEventTime",
                  with("  g:\n    primary_key: {id: int}\n    event_time: ts\n"
                       "    features: {x: int, ts: float}\n"),
                  {"15:24: feature 'ts' in feature group 'g' has the name of the event time "
                   "column 'ts'; column names must differ (case is ignored)"}},
        ErrorCase{"DuplicateColumnsIgnoringCase",
                  with("  g:\n    primary_key: {id: int}\n    event_time: ts\n"
                       "    features: {Amount: int, amount: float}\n"),
                  {"15:29: feature 'amount' in feature group 'g' has the name of the feature "
                   "'Amount'; column names must differ (case is ignored)"}},
        ErrorCase{"BadType",
                  with("  g:\n    primary_key: {id: int}\n    event_time: ts\n"
                       "    features: {x: flaot}\n"),
                  {"15:19: unknown type 'flaot' of feature 'x' in feature group 'g' (did you "
                   "mean 'float'?); use one of int, float, string, bool"}},
        ErrorCase{"KeyTypeNotIntOrString",
                  with("  g:\n    primary_key: {id: float}\n    event_time: ts\n"
                       "    features: {x: int}\n"),
                  {"13:23: key column 'id' in feature group 'g' must be int or string, not "
                   "float"}},
        ErrorCase{"KeysAsAList",
                  with("  g:\n    primary_key: [id]\n    event_time: ts\n"
                       "    features: {x: int}\n"),
                  {"13:18: 'primary_key' in feature group 'g' must be a mapping of key column "
                   "names to int or string (primary_key: {customer_id: int}), not a list"}},
        ErrorCase{"MissingEventTimeAndFeatures",
                  with("  g:\n    primary_key: {id: int}\n"),
                  {"12:3: feature group 'g' needs 'event_time'",
                   "12:3: feature group 'g' needs 'features'"}},
        ErrorCase{"BadColumnName",
                  with("  g:\n    primary_key: {id: int}\n    event_time: ts\n"
                       "    features: {1x: int}\n"),
                  {"15:16: '1x' in feature group 'g' is not a valid column name (use letters, "
                   "digits and _, not starting with a digit or _, at most 64 characters; rowid "
                   "and oid are reserved)"}},
        ErrorCase{"ReservedColumnNames",
                  with("  g:\n    primary_key: {id: int}\n    event_time: ts\n"
                       "    features: {rowid: int, _op: int}\n"),
                  {"15:16: 'rowid' in feature group 'g' is not a valid column name (use letters, "
                   "digits and _, not starting with a digit or _, at most 64 characters; rowid "
                   "and oid are reserved)",
                   "15:28: '_op' in feature group 'g' is not a valid column name (use letters, "
                   "digits and _, not starting with a digit or _, at most 64 characters; rowid "
                   "and oid are reserved)"}},
        ErrorCase{"BadVersionAndDurations",
                  with("  g:\n    version: 0\n    primary_key: {id: int}\n    event_time: ts\n"
                       "    features: {x: {type: int, nulable: false}}\n    ttl: 30\n"
                       "    delay: 2 days\n    validation: {policy: lax}\n"),
                  {"13:14: 'version' in feature group 'g' must be an integer from 1 to 1000000, "
                   "not 0",
                   "16:31: unknown key 'nulable' in feature group 'g' (did you mean "
                   "'nullable'?)",
                   "17:10: 'ttl' in feature group 'g' needs a unit: write 30d, 30h or 30s "
                   "(units: ms, s, m, h, d)",
                   "18:12: 'delay' in feature group 'g' is not a duration: '2 days' (write a "
                   "number and a unit, such as 30d, 12h, 10m or 0s; units: ms, s, m, h, d)",
                   "19:17: 'validation' in feature group 'g' needs 'rules' (a data quality "
                   "rules file)",
                   "19:26: 'policy' in feature group 'g' must be strict or always, not 'lax'"}},
        ErrorCase{"ZeroTtl",
                  with("    ttl: 0s\n"),
                  {"12:10: 'ttl' in feature group 'customers' must be longer than 0 (leave it "
                   "out for no limit)"}},
        ErrorCase{
            "OutIntoUndeclaredGroup",
            std::string(k_base).replace(std::string(k_base).find("customers}"), 9, "customer"),
            {"6:46: stage 'ingest' ingests 'data/f.csv' into feature group 'customer', "
             "which this pipeline does not declare under 'feature_groups' (did you mean "
             "'customers'?)"}},
        ErrorCase{"OutWithModelAndGroup",
                  std::string(k_base).replace(std::string(k_base).find("feature_group:"), 0,
                                              "model: m, "),
                  {"6:12: an out is a version of a model ('model') or ingested into a feature "
                   "group ('feature_group'), not both"}},
        ErrorCase{"DatasetUnknownGroupAndFeature",
                  with("datasets:\n  d:\n    spine: s.csv\n    out: o\n"
                       "    features: [customer, {customers: [spend, spnd]}]\n"),
                  {"16:16: dataset 'd' reads feature group 'customer', which this pipeline does "
                   "not declare under 'feature_groups' (did you mean 'customers'?)",
                   "16:46: dataset 'd' reads feature 'spnd' of feature group 'customers', which "
                   "has no such feature (did you mean 'spend'?)"}},
        ErrorCase{"DatasetSplitErrors",
                  with("datasets:\n  d:\n    spine: s.csv\n    out: o\n    features: [customers]\n"
                       "    split: {test: 1.5}\n  e:\n    spine: s.csv\n    out: o2\n"
                       "    features: [customers]\n    split: {test: 0.1, test_from: '2024'}\n"),
                  {"17:19: 'test' in dataset 'd' is the fraction of rows in the test set: a "
                   "number between 0 and 1 (exclusive), not 1.5",
                   "22:12: 'split' in dataset 'e' has both 'test' (a random fraction) and "
                   "'test_from' (a time); keep one"}},
        ErrorCase{"DatasetNamedLikeAStage",
                  with("datasets:\n  ingest: {spine: s.csv, out: o, features: [customers]}\n"),
                  {"13:3: dataset 'ingest' has the name of a stage (line 4); a dataset runs as a "
                   "stage of its own, so give it another name"}},
        ErrorCase{"DatasetMissingKeysAndBadValues",
                  with("datasets:\n  d:\n    features: [customers]\n    mode: event\n"
                       "    compress: gzip\n    spines: x\n"),
                  {"13:3: dataset 'd' needs 'spine'", "13:3: dataset 'd' needs 'out'",
                   "15:11: 'mode' in dataset 'd' must be event_time or known_time, not 'event'",
                   "16:15: 'compress' in dataset 'd' must be zstd or none, not 'gzip'",
                   "17:5: unknown key 'spines' in dataset 'd' (did you mean 'spine'?)"}},
        ErrorCase{"DatasetNeedsUnknownStageAndInterpolation",
                  with("datasets:\n  d:\n    spine: '${params.x}'\n    out: o\n"
                       "    features: [customers]\n    needs: [ingst]\n"),
                  {"14:12: 'spine' in dataset 'd' may not use ${...}: `mlops dataset create` "
                   "reads the path as written",
                   "17:13: stage 'd' needs 'ingst', which is not a stage of this pipeline (did "
                   "you mean 'ingest'?)"}},
        ErrorCase{"DatasetGroupListedTwice",
                  with("datasets:\n  d:\n    spine: s.csv\n    out: o\n"
                       "    features: [customers, {group: customers, as_of: 0}]\n"),
                  {"16:35: feature group 'customers' is listed twice in dataset 'd' (first at "
                   "line 16); list its features once",
                   "16:53: 'as_of' in dataset 'd' must be an integer from 1 to 9007199254740992, "
                   "not 0"}},
        ErrorCase{"ArtifactTriggerMixesForms",
                  with("triggers:\n  artifact: {feature_group: customers, pipeline: up}\n"),
                  {"13:13: the artifact trigger watches a feature group ('feature_group') or a "
                   "file of another pipeline ('pipeline' and 'path'), not both"}},
        ErrorCase{"ArtifactTriggerBadGroupName",
                  with("triggers:\n  artifact: {feature_group: Other_Pipelines}\n"),
                  {"13:29: 'Other_Pipelines' is not a valid feature group name"}}));

TEST(FeatureStoreParserTest, TooManyColumns) {
  std::string features;
  for (int i = 0; i < 1899; ++i) {
    features += fmt::format("f{}: int, ", i);
  }
  auto errors =
      errors_of(with("  g:\n    primary_key: {id: int}\n    event_time: ts\n"
                     "    features: {" +
                     features + "}\n"));
  EXPECT_EQ(errors, Errors{"12:3: feature group 'g' has 1901 columns; at most 1900 are allowed "
                           "(split it into several groups)"});
}

TEST(FeatureStoreParserTest, ArtifactTriggerMayNameAGroupOfAnotherPipeline) {
  EXPECT_EQ(errors_of("version: 1\nname: p\nstages:\n  a: {run: x}\n"
                      "triggers:\n  artifact: {feature_group: elsewhere}\n"),
            Errors{});
}

// `feature_groups: FILE`: groups from another file, whose errors carry that file's name.
class IncludedGroupsTest : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories((m_dir.path() / name).parent_path());
    std::ofstream(m_dir.path() / name) << text;
  }
  LoadResult load(const std::string& pipeline) {
    write("pipelines/p.yaml", pipeline);
    return load_pipeline_text(pipeline, m_dir.path() / "pipelines/p.yaml", m_dir.path(), {});
  }
  std::vector<std::string> errors(const LoadResult& result) {
    std::vector<std::string> out;
    for (const auto& d : result.diagnostics) {
      std::string file = std::filesystem::path(d.file).lexically_relative(m_dir.path()).string();
      out.push_back(fmt::format("{}:{}:{}: {}", file, d.mark.line, d.mark.column, d.message));
    }
    return out;
  }
  testing::TempDir m_dir{"mlops-fs-include"};
  const std::string m_pipeline =
      "version: 1\nname: p\nstages:\n  a: {run: x}\nfeature_groups: ../features/groups.yaml\n"
      "datasets:\n  d: {spine: s.csv, out: o, features: [{customers: [spend]}]}\n";
};

TEST_F(IncludedGroupsTest, ReadsTheGroupsOfTheFile) {
  write("features/groups.yaml",
        "feature_groups:\n  customers:\n    primary_key: {id: int}\n    event_time: ts\n"
        "    features: {spend: float}\n");
  auto result = load(m_pipeline);
  ASSERT_TRUE(result.pipeline) << errors(result)[0];
  ASSERT_EQ(result.pipeline->feature_groups.size(), 1u);
  EXPECT_EQ(result.pipeline->feature_groups[0].name, "customers");
  EXPECT_EQ(result.pipeline->feature_groups_file, "features/groups.yaml");
  EXPECT_EQ(result.pipeline->stages[1].argv.back(), "--pipeline=pipelines/p.yaml");
  EXPECT_EQ(result.pipeline->stages[1].deps[1].value, ".mlops/fs/customers/v1.head");
}

TEST_F(IncludedGroupsTest, ErrorsInTheFileCarryItsName) {
  write("features/groups.yaml",
        "feature_groups:\n  customers:\n    primary_key: {id: int}\n    event_time: ts\n"
        "    features: {spend: flot}\n  other: {}\nversion: 1\n");
  auto result = load(m_pipeline);
  EXPECT_EQ(errors(result),
            (Errors{"features/groups.yaml:5:23: unknown type 'flot' of feature 'spend' in "
                    "feature group 'customers' (did you mean 'float'?); use one of int, float, "
                    "string, bool",
                    "features/groups.yaml:6:3: feature group 'other' needs 'primary_key'",
                    "features/groups.yaml:6:3: feature group 'other' needs 'event_time'",
                    "features/groups.yaml:6:3: feature group 'other' needs 'features'",
                    "features/groups.yaml:7:1: unknown key 'version'"}));
}

TEST_F(IncludedGroupsTest, AMissingOrEscapingFileIsAnErrorOfThePipeline) {
  auto missing = load(m_pipeline);
  ASSERT_EQ(errors(missing).size(), 1u);
  EXPECT_TRUE(errors(missing)[0].starts_with(
      "pipelines/p.yaml:5:17: cannot read the feature groups file '" +
      (m_dir.path() / "features/groups.yaml").generic_string() + "': "))
      << errors(missing)[0];
  auto outside = load(
      "version: 1\nname: p\nstages:\n  a: {run: x}\n"
      "feature_groups: ../../groups.yaml\n");
  EXPECT_EQ(errors(outside),
            Errors{"pipelines/p.yaml:5:17: the feature groups file '../../groups.yaml' is "
                   "outside the workspace " +
                   m_dir.path().string() + "; it must be inside it"});
}

}  // namespace
}  // namespace mlops
