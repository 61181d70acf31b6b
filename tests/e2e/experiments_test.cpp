// Runs a team can browse, end to end: names, tags and notes (`run --name/--tag/--note`, `runs
// tag`, `runs note`), the experiments table (`runs --params --metrics`) and `compare`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_pipeline = R"(version: 1
name: exp
params: {lr: 0.1, model: {depth: 3}}
stages:
  train:
    run: |
      echo "m ${params.model.depth}" > model.bin
      echo '{"auc": ${params.lr}, "loss": 0.5}' > metrics.json
    outs: [model.bin]
    metrics: [metrics.json]
)";

class ExperimentsTest : public WorkspaceTest {
 protected:
  void SetUp() override { ws.write("pipeline.yaml", k_pipeline); }

  // Runs the pipeline with `args` added; returns the run's id.
  std::string run(std::vector<std::string> args) {
    args.insert(args.begin(), {"run", "pipeline.yaml"});
    CommandResult result = mlops(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return latest_run();
  }
};

TEST_F(ExperimentsTest, NameTagsAndNoteAreRecordedShownAndChanged) {
  std::string id = run({"--name", "baseline", "--tag", "team=churn", "--tag",
                        "owner=ann o'neil; $(touch pwned)", "--note", "first\nsecond"});
  CommandResult listed = mlops({"runs"});
  EXPECT_NE(listed.out.find("baseline"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("team=churn"), std::string::npos) << listed.out;

  CommandResult shown = mlops({"show", "baseline"});  // a name where a run id is accepted
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("run       " + id), std::string::npos);
  EXPECT_NE(shown.out.find("note      first\n          second\n"), std::string::npos) << shown.out;

  ASSERT_EQ(mlops({"runs", "tag", "baseline", "stage=prod", "--remove", "owner"}).exit_code, 0);
  ASSERT_EQ(mlops({"runs", "note", id.substr(0, 15), "looks good"}).exit_code, 0);
  auto json = nlohmann::json::parse(mlops({"show", "baseline", "--json"}).out);
  EXPECT_EQ(json["name"], "baseline");
  EXPECT_EQ(json["note"], "looks good");
  EXPECT_EQ(json["tags"], (nlohmann::json{{"stage", "prod"}, {"team", "churn"}}));
  EXPECT_FALSE(ws.exists("pwned"));
}

TEST_F(ExperimentsTest, BadNamesAndTagsExit2BeforeAnythingRuns) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"--name", "1abc"}, "invalid run name '1abc': write 1 to 64 letters, digits"},
      {{"--name", "latest"}, "invalid run name 'latest'"},
      {{"--name", std::string(65, 'a')}, "invalid run name"},
      {{"--name", "a b"}, "invalid run name 'a b'"},
      {{"--tag", "team"}, "invalid tag 'team': write KEY=VALUE"},
      {{"--tag", "=x"}, "invalid tag key ''"},
      {{"--tag", "t=a\x1b[31m"}, "the value of tag 't' must be UTF-8 text without control"},
      {{"--tag", "t=1", "--tag", "t=2"}, "tag 't' is given twice"},
      {{"--note", "bell\a"}, "the note must be UTF-8 text"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"run", "pipeline.yaml"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CommandResult result = mlops(args);
    EXPECT_EQ(result.exit_code, 2) << c.message;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
  }
  EXPECT_FALSE(ws.exists("model.bin"));
}

TEST_F(ExperimentsTest, ANameOfSeveralRunsIsAmbiguous) {
  std::string first = run({"--name", "exp"});
  std::string second = run({"--name", "exp", "--force"});
  CommandResult shown = mlops({"show", "exp"});
  EXPECT_EQ(shown.exit_code, 2);
  EXPECT_NE(shown.err.find("several runs are named 'exp' (" + second + ", " + first + ")"),
            std::string::npos)
      << shown.err;
  CommandResult tagged = mlops({"runs", "tag", "nosuch", "a=b"});
  EXPECT_EQ(tagged.exit_code, 2);
  EXPECT_NE(tagged.err.find("no run 'nosuch'"), std::string::npos);
  CommandResult nothing = mlops({"runs", "tag", first});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("nothing to change"), std::string::npos);
}

TEST_F(ExperimentsTest, TheExperimentsTableFiltersSortsAndWritesCsvAndJson) {
  std::string low = run({"--name", "low", "--tag", "team=churn"});
  std::string high = run({"-p", "lr=0.9", "--name", "high", "--tag", "team=churn"});
  run({"-p", "lr=0.5", "--name", "mid", "--tag", "team=fraud", "--tag", "src=@HYPERLINK(\"x\"),1"});
  CommandResult table = mlops({"runs", "--params", "--metrics", "--filter", "metrics.auc>0.05",
                               "--filter", "tag:team=churn", "--sort", "-metrics.auc"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.find("\x1b"), std::string::npos);  // not a terminal: no colour
  size_t first = table.out.find(high);
  EXPECT_NE(first, std::string::npos) << table.out;
  EXPECT_LT(first, table.out.find(low)) << table.out;
  EXPECT_NE(table.out.find("params.model.depth"), std::string::npos);
  // Colour when asked: the changed columns (lr, auc), not the unchanged ones (depth, loss).
  CommandResult colored = mlops({"runs", "--params", "--metrics", "--color=always"});
  EXPECT_NE(colored.out.find("\x1b[1;33mparams.lr"), std::string::npos) << colored.out;
  EXPECT_NE(colored.out.find("\x1b[1;33mmetrics.auc"), std::string::npos);
  EXPECT_EQ(colored.out.find("\x1b[1;33mparams.model.depth"), std::string::npos);
  EXPECT_EQ(colored.out.find("\x1b[1;33mmetrics.loss"), std::string::npos);

  CommandResult csv = mlops(
      {"runs", "--columns", "name,params.lr,metrics.auc,tag:src", "--sort", "params.lr", "--csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out,
            "name,params.lr,metrics.auc,tag:src\r\nlow,0.1,0.1,\r\n"
            "mid,0.5,0.5,\"'@HYPERLINK(\"\"x\"\"),1\"\r\nhigh,0.9,0.9,\r\n");

  auto json = nlohmann::json::parse(
      mlops({"runs", "--json", "--columns", "id,metrics.auc,note", "--filter", "name=low"}).out);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["id"], low);
  EXPECT_EQ(json[0]["metrics.auc"], 0.1);
  EXPECT_TRUE(json[0]["note"].is_null());
}

TEST_F(ExperimentsTest, ABadFilterExits2WithTheAcceptedForms) {
  run({});
  CommandResult bad = mlops({"runs", "--filter", "auc>0.8"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "mlops: error: invalid filter 'auc>0.8': unknown field 'auc': write id, name, "
            "pipeline, status, cause, started_at, commit, note, tags, tag:KEY, params.KEY or "
            "metrics.KEY\n");
  CommandResult sort = mlops({"runs", "--sort", "-colour"});
  EXPECT_EQ(sort.exit_code, 2);
  EXPECT_NE(sort.err.find("unknown field 'colour'"), std::string::npos);
}

TEST_F(ExperimentsTest, CompareShowsParamsMetricsWithDeltasOutputsAndCommits) {
  std::string first = run({"--name", "base"});
  std::string second = run({"-p", "lr=0.4", "-p", "model.depth=5", "--name", "deeper"});
  CommandResult text = mlops({"compare", "base", "deeper"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("lr           0.1                          0.4 *\n"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("0.4 (+0.3)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("model.bin"), std::string::npos);

  auto json = nlohmann::json::parse(mlops({"compare", first, second, "--json"}).out);
  EXPECT_EQ(json["runs"][0]["id"], first);
  EXPECT_EQ(json["runs"][1]["name"], "deeper");
  EXPECT_EQ(json["params"]["model.depth"]["values"], (nlohmann::json{"3", "5"}));
  EXPECT_TRUE(json["params"]["model.depth"]["changed"]);
  EXPECT_EQ(json["metrics"]["loss"]["deltas"][1].get<double>(), 0);
  EXPECT_NEAR(json["metrics"]["auc"]["deltas"][1].get<double>(), 0.3, 1e-9);
  EXPECT_TRUE(json["outputs"]["model.bin"]["changed"]);
  EXPECT_FALSE(json["outputs"]["metrics.json"]["values"][0].is_null());

  CommandResult one = mlops({"compare", "base"});
  EXPECT_EQ(one.exit_code, 2);
  EXPECT_EQ(one.err, "mlops: error: name at least two runs: mlops compare latest~1 latest\n");
  EXPECT_EQ(mlops({"compare", "base", "nosuch"}).exit_code, 2);
  EXPECT_EQ(mlops({"compare", "base", first}).exit_code, 2);  // the same run twice
}

TEST_F(ExperimentsTest, EscapeSequencesPlantedInTheStoreAreNotPrinted) {
  std::string id = run({"--name", "clean"});
  run({"--force"});
  ShellResult planted = run_shell(
      "sqlite3 '" + (ws / ".mlops/store.db").string() +
      "' \"UPDATE runs SET note = 'a' || char(27) || '[2J'; INSERT INTO run_tags VALUES ('" + id +
      "', 'k', char(27) || ']0;title' || char(7)); INSERT INTO metrics SELECT id, 'm' || "
      "char(27), 1 FROM executions\"");
  ASSERT_EQ(planted.status, 0) << planted.out;
  for (std::vector<std::string> args : {std::vector<std::string>{"runs"},
                                        {"show", id},
                                        {"runs", "--metrics", "--params"},
                                        {"compare", id, "latest"}}) {
    CommandResult result = mlops(args);
    EXPECT_EQ(result.out.find('\x1b'), std::string::npos) << args[0] << ": " << result.out;
    EXPECT_EQ(result.out.find('\a'), std::string::npos) << args[0];
  }
}

}  // namespace
}  // namespace mlops::e2e
