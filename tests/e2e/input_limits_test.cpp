// Hostile and broken input (issue 11, section 6): files that would exhaust memory are refused
// with their position, names and paths must be UTF-8, and bytes that are not UTF-8 in the store
// never break --json output.
#include <sqlite3.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr long k_memory_bound_kb = 200 * 1024;

CommandResult check(const Workspace& ws, const std::string& file) {
  return run_mlops({"check", file}, {ws.path(), {}, std::nullopt});
}

TEST(InputLimitsTest, DeepNestingIsRefusedWithItsPositionBeforeItCostsMemory) {
  Workspace ws;
  std::string text = "version: 1\nname: p\nstages:\n  a: {run: x, deps: ";
  for (int i = 0; i < 1'000'000; ++i) {
    text += "{a: ";
  }
  ws.write("deep.yaml", text);
  auto result = check(ws, "deep.yaml");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("deep.yaml:4:273: error: brackets nest deeper than 64 levels here; "
                            "pipeline files are shallow (every '[' and '{' counts, in strings "
                            "too)\n"),
            std::string::npos)
      << result.err.substr(0, 400);
  if (!MLOPS_SANITIZED) {
    EXPECT_LT(result.max_rss_kb, k_memory_bound_kb);
  }
}

TEST(InputLimitsTest, EightMegabytesOfOpeningBracketsAreRefused) {
  Workspace ws;
  ws.write("brackets.yaml", std::string(8 * 1024 * 1024 - 1, '['));
  auto result = check(ws, "brackets.yaml");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("brackets.yaml:1:65: error: brackets nest deeper than 64 levels"),
            std::string::npos)
      << result.err.substr(0, 400);
  if (!MLOPS_SANITIZED) {
    EXPECT_LT(result.max_rss_kb, k_memory_bound_kb);
  }
}

TEST(InputLimitsTest, AHugeFlatListIsRefusedAtTheNodeLimit) {
  Workspace ws;
  std::string text = "version: 1\nname: p\nstages:\n  a: {run: x, deps: [";
  for (int i = 0; i < 1'000'000; ++i) {
    text += "a,";
  }
  ws.write("wide.yaml", text + "a]}\n");
  auto result = check(ws, "wide.yaml");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("error: more than 200000 values in one file; pipeline files are "
                            "small"),
            std::string::npos)
      << result.err.substr(0, 400);
  if (!MLOPS_SANITIZED) {
    EXPECT_LT(result.max_rss_kb, k_memory_bound_kb);
  }
}

TEST(InputLimitsTest, APathThatIsNotUtf8IsRefusedByCheck) {
  Workspace ws;
  ws.write("p.yaml", "version: 1\nname: p\nstages:\n  a: {run: x, outs: [caf\xE9.csv]}\n");
  auto result = check(ws, "p.yaml");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("p.yaml:4:25: error: byte 0xE9 is not valid UTF-8; pipeline files, "
                            "and the names and paths in them, must be UTF-8\n"),
            std::string::npos)
      << result.err;
}

// Runs one statement on the store, read-write (harness.hpp's query_store is read-only).
void execute(const std::filesystem::path& store, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  std::string error = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << error;
}

TEST(InputLimitsTest, JsonOutputSurvivesBytesThatAreNotUtf8InTheStore) {
  Workspace ws;
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  make: {run: \"echo 1 > out.txt && echo '{\\\"score\\\": 1}' > m.json\", "
           "outs: [out.txt], metrics: [m.json]}\n");
  RunOptions options{ws.path(), {}, std::nullopt};
  ASSERT_EQ(run_mlops({"run", "p.yaml"}, options).exit_code, 0);
  ASSERT_EQ(run_mlops({"run", "p.yaml", "--force"}, options).exit_code, 0);
  // 'out\xFF.txt' and a metric key 'sc\xFEore', as someone with write access to .mlops/ could.
  execute(ws / ".mlops/store.db",
          "UPDATE artifacts SET path = CAST(X'6F7574FF2E747874' AS TEXT);"
          "UPDATE metrics SET key = CAST(X'7363FE6F7265' AS TEXT);");
  std::vector<std::vector<std::string>> commands = {
      {"runs", "--json"},
      {"show", "latest", "--json"},
      {"artifacts", "--json"},
      {"metrics", "latest~1", "latest", "--json"},
      {"diff", "latest~1", "latest", "--json"},
  };
  for (const auto& args : commands) {
    auto result = run_mlops(args, options);
    std::string shown = args[0] + " " + args[1];
    EXPECT_EQ(result.exit_code, 0) << shown << "\n" << result.err;
    EXPECT_EQ(result.err.find("internal error"), std::string::npos) << shown << "\n" << result.err;
    EXPECT_NO_THROW((void)nlohmann::json::parse(result.out)) << shown << "\n" << result.out;
  }
  auto artifacts = nlohmann::json::parse(run_mlops({"artifacts", "--json"}, options).out);
  EXPECT_NE(artifacts.dump().find("out\xEF\xBF\xBD.txt"), std::string::npos) << artifacts.dump();
}

}  // namespace
}  // namespace mlops::e2e
