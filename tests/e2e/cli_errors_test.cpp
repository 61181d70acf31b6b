// Regressions from issue 11's "small things": usage errors in mlops' own format, help without a
// subcommand, a cycle reported with the other errors, a misspelt store, logs of cached stages.
#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

CommandResult run_in(const Workspace& ws, std::vector<std::string> args,
                     std::vector<std::string> env = {}) {
  return run_mlops(args, {ws.path(), env, std::nullopt});
}

constexpr const char* k_two_stages =
    "version: 1\n"
    "name: p\n"
    "stages:\n"
    "  a:\n"
    "    run: echo made-a > a.txt\n"
    "    outs: [a.txt]\n"
    "  b:\n"
    "    run: cat a.txt > b.txt; echo said-b\n"
    "    deps: [a.txt]\n"
    "    outs: [b.txt]\n";

// Was: "mlops: internal error: std::bad_alloc" (a cached stage has no log, and the workspace
// directory was read as if it were one).
TEST(LogsTest, RunWithCachedStagesPrintsWithoutCrashing) {
  Workspace ws;
  ws.write("p.yaml", k_two_stages);
  ASSERT_EQ(run_in(ws, {"run", "p.yaml"}).exit_code, 0);
  ASSERT_EQ(run_in(ws, {"run", "p.yaml", "--force-stage", "b"}).exit_code, 0);
  for (auto args : {std::vector<std::string>{"logs", "latest"},
                    std::vector<std::string>{"logs", "latest", "--follow"}}) {
    auto result = run_in(ws, args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    EXPECT_NE(result.out.find("==> a (cached: no log, nothing ran) <==\n"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("said-b"), std::string::npos) << result.out;
  }
  auto one = run_in(ws, {"logs", "latest", "a"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
}

// Was: "--jobs: Value 0 not in range 0.000000 to 17976931348623157081...(300 digits)".
TEST(UsageErrorTest, JobsZeroSaysTheBound) {
  Workspace ws;
  ws.write("p.yaml", k_two_stages);
  auto result = run_in(ws, {"run", "p.yaml", "-j", "0"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "mlops: error: -j/--jobs must be at least 1\n"
            "Run 'mlops run --help' for the options.\n");
  auto limit = run_in(ws, {"runs", "-n", "x"});
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_EQ(limit.err,
            "mlops: error: -n/--limit takes a whole number, not 'x'\n"
            "Run 'mlops runs --help' for the options.\n");
}

// Was: CLI11's bare "--color: purple not in {auto,always,never}\nRun with --help ...".
TEST(UsageErrorTest, CliParserErrorsHaveTheMlopsPrefix) {
  Workspace ws;
  auto color = run_in(ws, {"--color", "purple", "check", "p.yaml"});
  EXPECT_EQ(color.exit_code, 2);
  EXPECT_EQ(color.err,
            "mlops: error: --color: purple not in {auto,always,never}\n"
            "Run 'mlops check --help' for the options.\n");
  auto missing = run_in(ws, {"check"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err,
            "mlops: error: pipelines is required\nRun 'mlops check --help' for the options.\n");
}

// Was: "A subcommand is required" for all three.
TEST(UsageErrorTest, MisspeltCommandGetsASuggestion) {
  Workspace ws;
  auto result = run_in(ws, {"rnu", "p.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "mlops: error: unknown command 'rnu' (did you mean 'run'?)\n"
            "Run 'mlops --help' for the commands.\n");
  auto far = run_in(ws, {"--color", "never", "frobnicate"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.err,
            "mlops: error: unknown command 'frobnicate'\nRun 'mlops --help' for the commands.\n");
}

TEST(UsageErrorTest, HelpAndBareMlopsPrintTheHelp) {
  Workspace ws;
  auto help = run_in(ws, {"help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("mlops runs ML pipelines"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Subcommands:"), std::string::npos) << help.out;
  auto help_run = run_in(ws, {"help", "run"});
  EXPECT_EQ(help_run.exit_code, 0);
  EXPECT_NE(help_run.out.find("Check a pipeline and run its stages"), std::string::npos);
  EXPECT_NE(help_run.out.find("--jobs"), std::string::npos);
  auto bare = run_in(ws, {});
  EXPECT_EQ(bare.exit_code, 2);  // nothing was done: a usage error for scripts
  EXPECT_EQ(bare.out, help.out);
  EXPECT_EQ(bare.err, "");
}

// Was: only "unknown key 'depz'" until that was fixed, then the cycle.
TEST(CheckCycleTest, CycleIsReportedWithTheOtherErrors) {
  Workspace ws;
  ws.write("p.yaml",
           "version: 1\n"
           "name: p\n"
           "stages:\n"
           "  a:\n"
           "    run: cat b.txt > a.txt\n"
           "    deps: [b.txt]\n"
           "    outs: [a.txt]\n"
           "  b:\n"
           "    run: cat a.txt > b.txt\n"
           "    deps: [a.txt]\n"
           "    outs: [b.txt]\n"
           "  c:\n"
           "    run: echo c\n"
           "    depz: [a.txt]\n");
  auto result = run_in(ws, {"check", "p.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  size_t cycle = result.err.find("p.yaml:4:3: error: cycle: a -> b -> a");
  size_t key =
      result.err.find("p.yaml:14:5: error: unknown key 'depz' in stage 'c' (did you mean 'deps'?)");
  EXPECT_NE(cycle, std::string::npos) << result.err;
  EXPECT_NE(key, std::string::npos) << result.err;
  EXPECT_LT(cycle, key) << "sorted by position";
  EXPECT_NE(result.err.find("mlops: 2 errors in p.yaml"), std::string::npos) << result.err;
}

// Was: "a would run: never ran", exit 1, for a store path with a typo.
TEST(StoreTypoTest, NamedStoreThatDoesNotExistIsAnError) {
  Workspace ws;
  ws.write("p.yaml", k_two_stages);
  ASSERT_EQ(run_in(ws, {"run", "p.yaml"}).exit_code, 0);
  std::string typo = (ws.path() / "typo.db").string();
  auto status = run_in(ws, {"status", "p.yaml", "--store", "typo.db"});
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_EQ(status.err,
            "mlops: error: no metadata store at " + typo + "; check the path given with --store\n");
  auto env = run_in(ws, {"status", "p.yaml"}, {"MLOPS_STORE=" + typo});
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_EQ(env.err, "mlops: error: no metadata store at " + typo +
                         "; check the path given with MLOPS_STORE\n");
  auto dry = run_in(ws, {"run", "p.yaml", "--dry-run", "--store", "typo.db"});
  EXPECT_EQ(dry.exit_code, 2);
  EXPECT_NE(dry.err.find("no metadata store at " + typo), std::string::npos) << dry.err;
  EXPECT_FALSE(ws.exists("typo.db"));
  // The default store missing still means "never ran".
  Workspace fresh;
  fresh.write("p.yaml", k_two_stages);
  auto never = run_in(fresh, {"status", "p.yaml"});
  EXPECT_EQ(never.exit_code, 1) << never.err;
  EXPECT_NE(never.out.find("never ran"), std::string::npos);
}

}  // namespace
}  // namespace mlops::e2e
