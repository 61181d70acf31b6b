// `mlops check`, `graph`, `--dry-run`, stage selection, help and version, and the examples.
#include <fstream>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

CommandResult run_in(const Workspace& ws, std::vector<std::string> args) {
  return run_mlops(args, {ws.path(), {}, std::nullopt});
}

// "# expect: LINE:COL: error: ..." is an error in the file itself (`name`); "# expect-file:
// FILE:LINE:COL: error: ..." one in a file it includes, named from tests/data/pipelines.
std::vector<std::string> expected_lines(const std::filesystem::path& file,
                                        const std::string& name) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# expect: ")) {
      lines.push_back(name + ":" + line.substr(10));
    } else if (line.starts_with("# expect-file: ")) {
      lines.push_back(line.substr(15));
    }
  }
  return lines;
}

// Every broken file in tests/data/pipelines/invalid is rejected with exit 2 and the exact
// FILE:LINE:COL error lines its "# expect:" comments list.
TEST(CheckTest, EveryBrokenFileGivesItsFileLineColumnError) {
  auto dir = source_dir() / "tests/data/pipelines/invalid";
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    std::string name = "invalid/" + entry.path().filename().string();
    auto result = run_mlops({"check", name}, {dir.parent_path(), {}, std::nullopt});
    EXPECT_EQ(result.exit_code, 2) << name;
    auto expected = expected_lines(entry.path(), name);
    EXPECT_FALSE(expected.empty()) << name << " has no '# expect:' line";
    for (const auto& line : expected) {
      EXPECT_NE(result.err.find(line), std::string::npos)
          << name << "\nexpected: " << line << "\ngot:\n"
          << result.err;
    }
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
  EXPECT_GE(files, 30u);
}

TEST(CheckTest, QuotesTheOffendingLineWithACaret) {
  Workspace ws;
  ws.write("p.yaml", "version: 1\nname: p\nstages:\n  a:\n    run: x\n    depz: [y]\n");
  auto result = run_in(ws, {"check", "p.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "p.yaml:6:5: error: unknown key 'depz' in stage 'a' (did you mean 'deps'?)\n"
            " 6 |     depz: [y]\n"
            "   |     ^\n"
            "mlops: 1 error in p.yaml\n");
}

TEST(CheckTest, ValidFilesPassAndSeveralFilesAreCheckedTogether) {
  auto dir = source_dir() / "tests/data/pipelines";
  auto result =
      run_mlops({"check", "valid/minimal.yaml", "valid/matrix.yaml", "invalid/cycle.yaml"},
                {dir, {}, std::nullopt});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.out.find("valid/minimal.yaml: ok, pipeline 'minimal' with 1 stage\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("valid/matrix.yaml: ok, pipeline 'grid' with 7 stages\n"),
            std::string::npos);
  EXPECT_NE(result.err.find("invalid/cycle.yaml:5:3: error: cycle: a -> b -> c -> a"),
            std::string::npos);
}

TEST(GraphTest, PrintsDotMermaidAndJson) {
  auto dir = source_dir() / "tests/data/pipelines/valid";
  auto dot = run_mlops({"graph", "matrix.yaml"}, {dir, {}, std::nullopt});
  EXPECT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_NE(dot.out.find("digraph \"grid\" {"), std::string::npos) << dot.out;
  EXPECT_NE(dot.out.find("\"train[model=forest,fold=3]\" -> \"report\";"), std::string::npos);
  auto mermaid =
      run_mlops({"graph", "matrix.yaml", "--format", "mermaid"}, {dir, {}, std::nullopt});
  EXPECT_EQ(mermaid.exit_code, 0);
  EXPECT_NE(mermaid.out.find("flowchart LR\n  s0[\"train[model=logreg,fold=1]\"]"),
            std::string::npos)
      << mermaid.out;
  EXPECT_NE(mermaid.out.find("  s5 --> s6\n"), std::string::npos);
  auto json = run_mlops({"graph", "matrix.yaml", "--format", "json"}, {dir, {}, std::nullopt});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find("\"from\": \"train[model=logreg,fold=1]\""), std::string::npos);
  EXPECT_NE(json.out.find("\"outs\": [\n        \"models/logreg-1.pkl\""), std::string::npos)
      << json.out;
  auto bad = run_mlops({"graph", "matrix.yaml", "--format", "png"}, {dir, {}, std::nullopt});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(DryRunTest, PrintsThePlanAndRunsNothing) {
  Workspace ws;
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {x: 'a b'}\nstages:\n"
           "  a: {run: touch a.done}\n  b: {run: 'touch b.done ${params.x}', needs: [a]}\n"
           "  c: {run: touch c.done}\n");
  auto result = run_in(ws, {"run", "p.yaml", "--dry-run", "--stage", "b"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "[mlops] dry run of pipeline 'p': 2 of 3 stages, up to " +
                result.out.substr(result.out.find("up to ") + 6,
                                  result.out.find(" at once") - result.out.find("up to ") - 6) +
                " at once; in order:\n"
                "    1. a: touch a.done\n"
                "    2. b: touch b.done 'a b'\n"
                "[mlops] not selected: c\n"
                "[mlops] 2 stages would run; nothing was run\n");
  EXPECT_FALSE(ws.exists("a.done"));
  EXPECT_FALSE(ws.exists(".mlops/logs"));
}

TEST(SelectionTest, StageAndFromChooseWhatRuns) {
  Workspace ws;
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  a: {run: touch a.done}\n  b: {run: touch b.done, needs: [a]}\n"
           "  c: {run: touch c.done, needs: [b]}\n  d: {run: touch d.done}\n");
  auto from = run_in(ws, {"run", "p.yaml", "--from", "b"});
  EXPECT_EQ(from.exit_code, 0) << from.err;
  EXPECT_FALSE(ws.exists("a.done"));
  EXPECT_TRUE(ws.exists("b.done"));
  EXPECT_TRUE(ws.exists("c.done"));
  EXPECT_FALSE(ws.exists("d.done"));
  auto unknown = run_in(ws, {"run", "p.yaml", "--stage", "bb"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err,
            "mlops: error: --stage bb: no stage 'bb' in pipeline 'p' (did you mean "
            "'b'?)\n");
}

TEST(CliTest, VersionAndHelpOnEverySubcommand) {
  Workspace ws;
  auto version = run_in(ws, {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(version.out.starts_with("mlops ")) << version.out;
  for (const char* command : {"check", "run", "graph"}) {
    auto help = run_in(ws, {command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("Usage:"), std::string::npos) << command << help.out;
  }
  auto run_help = run_in(ws, {"run", "--help"});
  for (const char* option :
       {"--jobs", "--stage", "--from", "--dry-run", "--keep-going", "--param", "--params-file"}) {
    EXPECT_NE(run_help.out.find(option), std::string::npos) << option;
  }
  auto nothing = run_in(ws, {});
  EXPECT_EQ(nothing.exit_code, 2);
  auto bad_flag = run_in(ws, {"run", "--no-such-flag", "p.yaml"});
  EXPECT_EQ(bad_flag.exit_code, 2);
  auto zero_jobs = run_in(ws, {"run", "p.yaml", "-j", "0"});
  EXPECT_EQ(zero_jobs.exit_code, 2);
}

TEST(ParamsTest, ParamsFileThenCommandLine) {
  Workspace ws;
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {a: 1, b: 2, c: 3}\nstages:\n"
           "  s: {run: 'echo ${params.a} ${params.b} ${params.c} > out.txt'}\n");
  ws.write("params.yaml", "a: 10\nb: 20\n");
  auto result = run_in(ws, {"run", "p.yaml", "--params-file", "params.yaml", "-p", "b=200"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ws.read("out.txt"), "10 200 3\n");
  ws.write("bad-params.yaml", "a: 1\nbb: 2\n");
  auto bad = run_in(ws, {"run", "p.yaml", "--params-file", "bad-params.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad-params.yaml:2:1: error: unknown parameter 'bb' (did you mean 'b'?)"),
            std::string::npos)
      << bad.err;
}

// The README's first command runs this example; it must keep working.
TEST(ExamplesTest, QuickstartRunsAndWritesMetrics) {
  Workspace ws;
  std::filesystem::copy(source_dir() / "pipelines", ws / "pipelines",
                        std::filesystem::copy_options::recursive);
  auto result = run_in(ws, {"run", "pipelines/quickstart.yaml", "-j", "2"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(ws.read("out/quickstart/metrics.json").find("\"accuracy\""), std::string::npos);
  EXPECT_TRUE(ws.exists("out/quickstart/models/logreg.json"));
  EXPECT_TRUE(ws.exists("out/quickstart/models/majority.json"));
  EXPECT_TRUE(ws.exists("out/quickstart/profile.json"));
}

}  // namespace
}  // namespace mlops::e2e
