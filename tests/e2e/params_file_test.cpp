// Params files (issue 17, docs/pipeline-format.md "Params files"): per-key reruns after an edit
// of params.yaml, -S overrides, --save-params, triggered runs, and the files refused.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

// prepare -> featurize -> train, DVC style: featurize names its key in the command, train
// reads the file itself and declares its section.
constexpr const char* k_pipeline = R"(version: 1
name: exp
params: {file: params.yaml}
stages:
  prepare:
    run: echo raw > prepared.txt
    outs: [prepared.txt]
  featurize:
    run: echo ${params.featurize.max_features} > features.txt; cat prepared.txt >> features.txt
    deps: [prepared.txt]
    outs: [features.txt]
  train:
    run: grep -A2 '^train' params.yaml > model.txt; cat features.txt >> model.txt
    deps: [features.txt]
    outs: [model.txt]
    params: [train]
)";

constexpr const char* k_params = R"(# shared with other tools
featurize:
  max_features: 100  # vocabulary size
train:
  lr: 0.1
  epochs: 5
other-tool:
  setting with spaces: [1, 2]
)";

class ParamsFileTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(ws / ".mlops");
    ws.write("pipeline.yaml", k_pipeline);
    ws.write("params.yaml", k_params);
  }
  void edit_params(const std::string& from, const std::string& to) {
    std::string text = ws.read("params.yaml");
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    ws.write("params.yaml", text.replace(at, from.size(), to));
  }
  // "ran" or "cached" for each stage of the last run, in file order.
  std::string statuses(const CommandResult& result) {
    std::string out;
    for (const char* stage : {"prepare", "featurize", "train"}) {
      std::string run_line = std::string("[mlops] start ") + stage + " ";
      out += result.out.find(run_line) != std::string::npos ? "R" : "-";
    }
    return out;
  }
};

TEST_F(ParamsFileTest, EditingAKeyRerunsOnlyTheStagesThatUseIt) {
  auto first = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(statuses(first), "RRR");
  EXPECT_EQ(statuses(mlops({"run", "pipeline.yaml"})), "---");

  edit_params("lr: 0.1", "lr: 0.05");
  auto status = mlops({"status", "pipeline.yaml"});
  EXPECT_NE(status.out.find("param train.lr changed: 0.1 -> 0.05"), std::string::npos)
      << status.out;
  auto train_only = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(train_only.exit_code, 0) << train_only.err;
  EXPECT_EQ(statuses(train_only), "--R") << train_only.out;
  EXPECT_NE(ws.read("model.txt").find("lr: 0.05"), std::string::npos);

  edit_params("max_features: 100", "max_features: 200");
  auto downstream = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(statuses(downstream), "-RR") << downstream.out;
  EXPECT_NE(downstream.out.find("param featurize.max_features changed: 100 -> 200"),
            std::string::npos)
      << downstream.out;

  // Another tool's keys change nothing.
  edit_params("[1, 2]", "[1, 2, 3]");
  EXPECT_EQ(statuses(mlops({"run", "pipeline.yaml"})), "---");
}

TEST_F(ParamsFileTest, SetParamOverridesForOneRunAndIsRecorded) {
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  auto set = mlops({"run", "pipeline.yaml", "-S", "featurize.max_features=7"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(statuses(set), "-RR");
  EXPECT_EQ(ws.read("features.txt"), "7\nraw\n");
  EXPECT_NE(store_value("SELECT params_json FROM runs WHERE id = '" + latest_run() + "'")
                .find("\"max_features\":7"),
            std::string::npos);
  EXPECT_EQ(ws.read("params.yaml"), k_params);  // not saved
  auto typo = mlops({"run", "pipeline.yaml", "--set-param", "train.lrr=1"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("-S train.lrr: unknown parameter 'train.lrr' (did you mean "
                          "'train.lr'?)"),
            std::string::npos)
      << typo.err;
}

TEST_F(ParamsFileTest, SaveParamsWritesOnlyTheValueInPlace) {
  auto saved = mlops({"run", "pipeline.yaml", "-S", "train.lr=0.2", "--save-params"});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  std::string expected = k_params;
  expected.replace(expected.find("lr: 0.1"), 7, "lr: 0.2");
  EXPECT_EQ(ws.read("params.yaml"), expected);
  EXPECT_EQ(statuses(mlops({"run", "pipeline.yaml"})), "---");  // the file says what ran
}

TEST_F(ParamsFileTest, ATriggeredRunReadsTheFileAtEachRun) {
  std::string text = k_pipeline;
  text.replace(text.find("stages:"), 7,
               "triggers:\n  data: {paths: [\"data/*.csv\"], settle: 0s}\nstages:");
  ws.write("pipeline.yaml", text);
  ws.write("data/a.csv", "x\n");
  auto first = mlops({"trigger", "check"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(ws.read("model.txt").find("lr: 0.1"), std::string::npos);
  edit_params("lr: 0.1", "lr: 0.3");
  ws.write("data/b.csv", "y\n");
  auto second = mlops({"trigger", "check"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(ws.read("model.txt").find("lr: 0.3"), std::string::npos) << second.out;
}

TEST_F(ParamsFileTest, BadYamlInTheParamsFileIsAnErrorAtItsPosition) {
  ws.write("params.yaml", "train:\n  lr: [0.1\n");
  auto bad = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("params.yaml:3:1: error: invalid YAML"), std::string::npos) << bad.err;
  std::filesystem::remove(ws / "params.yaml");
  auto missing = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("pipeline.yaml:3:16: error: the params file 'params.yaml' does not "
                             "exist; create it"),
            std::string::npos)
      << missing.err;
}

TEST_F(ParamsFileTest, AFileOutsideTheWorkspaceOrALinkOutIsRefused) {
  Workspace outside;
  outside.write("params.yaml", k_params);
  std::filesystem::remove(ws / "params.yaml");
  std::filesystem::create_symlink(outside / "params.yaml", ws / "params.yaml");
  auto linked = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(linked.exit_code, 2);
  EXPECT_NE(linked.err.find("a symbolic link leading outside the workspace"), std::string::npos)
      << linked.err;
  std::string text = k_pipeline;
  std::string absolute = (outside / "params.yaml").string();
  text.replace(text.find("file: params.yaml"), 17, "file: " + absolute);
  ws.write("pipeline.yaml", text);
  auto out = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.err.find("is outside the workspace"), std::string::npos) << out.err;
  EXPECT_FALSE(ws.exists("model.txt"));
}

}  // namespace
}  // namespace mlops::e2e
