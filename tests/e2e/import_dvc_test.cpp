// mlops import dvc (docs/migrating-from-dvc.md): a DVC project ported by hand
// (tests/data/dvc_project: prepare -> featurize -> train -> evaluate with params.yaml) is
// imported, checked and run; an edited featurize param reruns only featurize and what follows.
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

class ImportDvcTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    std::filesystem::copy(source_dir() / "tests/data/dvc_project", ws.path(),
                          std::filesystem::copy_options::recursive);
    std::filesystem::create_directories(ws / ".mlops");
  }
  // "stage:cached" for each execution of the latest run, by stage name.
  std::string executions() {
    return store_value(
        "SELECT group_concat(stage || ':' || cached, ' ') FROM (SELECT stage, "
        "cached FROM executions WHERE run_id = '" +
        latest_run() + "' ORDER BY stage)");
  }
  void edit_params(const std::string& from, const std::string& to) {
    std::string text = ws.read("params.yaml");
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    ws.write("params.yaml", text.replace(at, from.size(), to));
  }
};

TEST_F(ImportDvcTest, ImportedProjectRunsAndRerunsOnlyWhatAParamChangeReaches) {
  auto imported = mlops({"import", "dvc"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("wrote pipeline.yaml (4 stages) from dvc.yaml"), std::string::npos)
      << imported.err;
  std::string pipeline = ws.read("pipeline.yaml");
  EXPECT_NE(pipeline.find("# dvc: cache: false on 'eval/prc.json' dropped"), std::string::npos)
      << pipeline;
  EXPECT_NE(pipeline.find("${params.train.seed}"), std::string::npos) << pipeline;
  EXPECT_NE(pipeline.find("    plots:\n      - path: eval/prc.json\n        x: recall\n"
                          "        y: precision\n"),
            std::string::npos)
      << pipeline;
  ASSERT_EQ(mlops({"check", "pipeline.yaml"}).exit_code, 0);

  auto first = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(executions(), "evaluate:0 featurize:0 prepare:0 train:0");
  EXPECT_EQ(ws.read("model.txt"), "seed=20170428 n_est=50\n5\n");
  EXPECT_NE(ws.read("eval/metrics.json").find("\"rows\": 4"), std::string::npos);

  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  EXPECT_EQ(executions(), "evaluate:1 featurize:1 prepare:1 train:1");  // nothing changed

  edit_params("max_features: 100", "max_features: 200");
  auto after_edit = mlops({"run", "pipeline.yaml"});
  ASSERT_EQ(after_edit.exit_code, 0) << after_edit.out << after_edit.err;
  EXPECT_EQ(executions(), "evaluate:0 featurize:0 prepare:1 train:0") << after_edit.out;
  EXPECT_NE(ws.read("data/features/train.txt").find("max_features=200"), std::string::npos);

  edit_params("n_est: 50", "n_est: 60");  // a train param: train and evaluate only
  ASSERT_EQ(mlops({"run", "pipeline.yaml"}).exit_code, 0);
  EXPECT_EQ(executions(), "evaluate:0 featurize:1 prepare:1 train:0");
}

TEST_F(ImportDvcTest, AnExistingOutputNeedsForceAndDashWritesStdout) {
  ws.write("pipeline.yaml", "mine\n");
  auto refused = mlops({"import", "dvc"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("pipeline.yaml exists; --force overwrites it"), std::string::npos)
      << refused.err;
  EXPECT_EQ(ws.read("pipeline.yaml"), "mine\n");

  auto printed = mlops({"import", "dvc", "dvc.yaml", "-o", "-"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find("stages:\n"), std::string::npos);
  EXPECT_EQ(ws.read("pipeline.yaml"), "mine\n");

  ASSERT_EQ(mlops({"import", "dvc", "--force", "-o", "pipeline.yaml"}).exit_code, 0);
  EXPECT_EQ(ws.read("pipeline.yaml"), printed.out);
}

TEST_F(ImportDvcTest, ErrorsNameTheLineAndWriteNothing) {
  ws.write("bad.yaml", "stages:\n  a:\n    cmd: echo\n    outz: [x]\n");
  auto bad = mlops({"import", "dvc", "bad.yaml", "-o", "out.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.yaml:4:5: error: unknown key 'outz' in stage 'a' (did you mean "
                         "'outs'?)"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(ws.exists("out.yaml"));

  ws.write("escape.yaml", "stages:\n  a:\n    cmd: echo\n    outs: [../../etc/x]\n");
  auto escape = mlops({"import", "dvc", "escape.yaml", "-o", "out.yaml"});
  EXPECT_EQ(escape.exit_code, 2);
  EXPECT_NE(escape.err.find("escape.yaml:4:12: error: path '../../etc/x' leads outside the "
                            "workspace"),
            std::string::npos)
      << escape.err;
  EXPECT_FALSE(ws.exists("out.yaml"));

  ASSERT_EQ(::mkfifo((ws / "fifo.yaml").c_str(), 0600), 0);
  auto fifo = mlops({"import", "dvc", "fifo.yaml", "-o", "out.yaml"});
  EXPECT_EQ(fifo.exit_code, 2);
  EXPECT_NE(fifo.err.find("fifo.yaml is not a regular file"), std::string::npos) << fifo.err;

  auto missing = mlops({"import", "dvc", "nope.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.yaml"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace mlops::e2e
