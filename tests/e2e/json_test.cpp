// Every query command's --json output is JSON (docs/cli.md gives the shapes): a script can
// rely on it, and a progress line on stdout would break it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

TEST(JsonTest, EveryQueryCommandPrintsJsonOnStdout) {
  Workspace ws;
  ws.write("p.yaml", R"(version: 1
name: p
params: {n: 1}
triggers:
  schedule: {cron: "@daily"}
stages:
  make: {run: "echo ${params.n} > out.txt && echo '{\"score\": ${params.n}}' > m.json", outs: [out.txt], metrics: [m.json]}
)");
  RunOptions options{ws.path(), {}, std::nullopt};
  ASSERT_EQ(run_mlops({"run", "p.yaml"}, options).exit_code, 0);
  ASSERT_EQ(run_mlops({"run", "p.yaml", "-p", "n=2"}, options).exit_code, 0);
  std::vector<std::vector<std::string>> commands = {
      {"runs", "--json"},
      {"show", "latest", "--json"},
      {"logs", "latest", "--json"},
      {"artifacts", "--json"},
      {"artifacts", "out.txt", "--history", "--json"},
      {"lineage", "out.txt", "--json"},
      {"metrics", "latest~1", "latest", "--json"},
      {"metrics", "history", "score", "--pipeline", "p", "--json"},
      {"status", "p.yaml", "--json"},
      {"diff", "latest~1", "latest", "--json"},
      {"gc", "--dry-run", "--json"},
      {"checkout", "latest", "--json"},
      {"trigger", "check", "p.yaml", "--dry-run", "--json"},
      {"trigger", "next", "p.yaml", "--json"},
      {"graph", "p.yaml", "--format", "json"},
  };
  for (const auto& command : commands) {
    auto result = run_mlops(command, options);
    std::string name = command[0] + " " + command[1];
    EXPECT_LE(result.exit_code, 1) << name << ": " << result.err;
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << name << " printed:\n" << result.out;
  }
}

}  // namespace
}  // namespace mlops::e2e
