// `mlops init` and `mlops completion`.
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "util/shell_quote.hpp"

namespace mlops::e2e {
namespace {

TEST(InitTest, CreatesAWorkspaceWhoseStarterPipelineRuns) {
  Workspace ws;
  ws.write(".gitignore", "build/\n.mlops/logs/\n");
  auto init = run_mlops({"init", "project"}, {ws.path(), {}, std::nullopt});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(init.out.find("Next: mlops run project/pipeline.yaml"), std::string::npos) << init.out;
  std::string pipeline = ws.read("project/pipeline.yaml");
  EXPECT_EQ(pipeline.rfind("# yaml-language-server: $schema=.mlops/pipeline.schema.json\n", 0), 0u);
  EXPECT_NE(ws.read("project/.mlops/pipeline.schema.json")
                .find("\"$schema\": \"http://json-schema.org/draft-07/schema#\""),
            std::string::npos);
  std::string ignore = ws.read("project/.gitignore");
  for (const char* line : {".mlops/cache/", ".mlops/logs/", ".mlops/store.db*"}) {
    EXPECT_NE(ignore.find(line), std::string::npos) << ignore;
  }

  auto check = run_mlops({"check", "project/pipeline.yaml"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  auto run = run_mlops({"run", "project/pipeline.yaml"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(ws.read("project/out/metrics.json"), "{\"count\": 100, \"sum\": 5050}\n");

  // Again in an existing workspace: nothing is overwritten or added twice.
  ws.write("project/pipeline.yaml", "# mine\n");
  ws.write("project/.gitignore", "build/\n.mlops/logs/\n");
  auto again = run_mlops({"init", "project"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(ws.read("project/pipeline.yaml"), "# mine\n");
  std::string updated = ws.read("project/.gitignore");
  EXPECT_EQ(updated.find(".mlops/logs/"), updated.rfind(".mlops/logs/")) << updated;
  EXPECT_EQ(updated.rfind("build/\n.mlops/logs/\n", 0), 0u) << updated;
}

TEST(CompletionTest, BashCompletesSubcommandsOptionsFilesAndStageNames) {
  Workspace ws;
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n  prepare: {run: 'true'}\n"
           "  train: {run: 'true', matrix: {model: [a, b]}}\n");
  auto script = run_mlops({"completion", "bash"}, {ws.path(), {}, std::nullopt});
  ASSERT_EQ(script.exit_code, 0);
  ws.write("mlops.bash", script.out);
  auto complete = [&](const std::string& words, int cword) {
    std::string command = "cd " + shell_quote(ws.path().string()) +
                          " && PATH=" + shell_quote(mlops_binary().parent_path().string()) +
                          ":$PATH bash -c " +
                          shell_quote("source mlops.bash; COMP_WORDS=(" + words + "); COMP_CWORD=" +
                                      std::to_string(cword) + "; _mlops; echo \"${COMPREPLY[*]}\"");
    return run_shell(command + " 2>&1").out;
  };
  EXPECT_EQ(complete("mlops ru", 1), "run runs\n");
  EXPECT_EQ(complete("mlops trigger ''", 2), "check next explain\n");
  EXPECT_EQ(complete("mlops run p.yaml --for", 3), "--force --force-stage\n");
  EXPECT_EQ(complete("mlops run p.yaml --stage ''", 4),
            "prepare train[model=a] train train[model=b]\n");
  EXPECT_NE(complete("mlops run ''", 2).find("p.yaml"), std::string::npos);
  EXPECT_EQ(complete("mlops run ''", 2).find("mlops.bash"), std::string::npos);
}

TEST(CompletionTest, ZshAndFishScriptsNameEverySubcommand) {
  for (const char* shell : {"zsh", "fish"}) {
    auto script = run_mlops({"completion", shell}, {source_dir(), {}, std::nullopt});
    ASSERT_EQ(script.exit_code, 0) << shell;
    for (const char* command : {"run", "check", "trigger", "watch", "report", "init"}) {
      EXPECT_NE(script.out.find(command), std::string::npos) << shell << " " << command;
    }
  }
  auto bad = run_mlops({"completion", "tcsh"}, {source_dir(), {}, std::nullopt});
  EXPECT_EQ(bad.exit_code, 2);
}

// Runs `code` in `shell` (zsh or fish) with the completion script loaded, in a workspace with a
// pipeline; skipped where the shell is missing (scripts/install-deps.sh --test installs both).
class ShellCompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ws.write("p.yaml",
             "version: 1\nname: p\nstages:\n  prepare: {run: 'true'}\n"
             "  train: {run: 'true', needs: [prepare]}\n");
    ws.write("notes.txt", "not a pipeline\n");
  }
  std::string in_shell(const std::string& shell, const std::string& code) {
    if (run_shell(shell + " -c true > /dev/null 2>&1").status != 0) {
      return "(missing)";
    }
    auto script = run_mlops({"completion", shell}, {ws.path(), {}, std::nullopt});
    ws.write("completion." + shell, script.out);
    EXPECT_EQ(
        run_shell(shell + " -n " + shell_quote((ws / ("completion." + shell)).string()) + " 2>&1")
            .status,
        0)
        << shell << " rejects its script";
    std::string command = "cd " + shell_quote(ws.path().string()) +
                          " && PATH=" + shell_quote(mlops_binary().parent_path().string()) +
                          ":$PATH " + shell + " -c " +
                          shell_quote("source completion." + shell + "; " + code);
    return run_shell(command + " 2>&1").out;
  }
  Workspace ws;
};

TEST_F(ShellCompletionTest, FishCompletesSubcommandsStageNamesAndPipelineFiles) {
  auto complete = [&](const std::string& line) {
    return in_shell("fish", "complete -C " + shell_quote(line));
  };
  if (complete("mlops ") == "(missing)") {
    GTEST_SKIP() << "fish is not installed";
  }
  EXPECT_NE(complete("mlops ru").find("runs\tList recorded runs"), std::string::npos);
  EXPECT_EQ(complete("mlops run p.yaml --stage "), "prepare\ntrain\n");
  EXPECT_EQ(complete("mlops run "), "p.yaml\n");  // not notes.txt
  EXPECT_EQ(complete("mlops --color "), "always\nauto\nnever\n");
}

TEST_F(ShellCompletionTest, ZshRunsTheCompletionFunction) {
  std::string stages = in_shell(
      "zsh",
      "COMP_WORDS=(mlops run p.yaml --stage ''); COMP_CWORD=4; _mlops; echo \"${COMPREPLY[@]}\"");
  if (stages == "(missing)") {
    GTEST_SKIP() << "zsh is not installed";
  }
  EXPECT_EQ(stages, "prepare train\n");
}

}  // namespace
}  // namespace mlops::e2e
