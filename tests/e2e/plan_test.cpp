// `mlops status`, `mlops run --dry-run` and `mlops run` agree on what runs, what is restored,
// and why, end to end on the real binary (the unit matrix is in src/app/plan_test.cpp).
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

// stage -> "run: REASON" | "restore" | "skip"
using Verdicts = std::map<std::string, std::string>;

class PlanAgreementTest : public ::testing::Test {
 protected:
  CommandResult mlops(std::vector<std::string> args) {
    return run_mlops(args, {ws.path(), {}, std::nullopt});
  }
  Verdicts status(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"status", "p.yaml", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = mlops(args);
    auto json = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_TRUE(json.is_object()) << result.out << result.err;
    Verdicts verdicts;
    for (const auto& stage : json["stages"]) {
      std::string action = stage["action"];
      verdicts[stage["stage"]] =
          action == "run" ? "run: " + stage["reason"].get<std::string>() : action;
    }
    return verdicts;
  }
  // From `[mlops] start NAME (REASON)` / `[mlops] skip NAME: NOTE` lines, or the dry run's
  // `  N. NAME: COMMAND  (REASON)` / `    -. NAME: NOTE` lines.
  static Verdicts parse(const std::string& out, bool dry) {
    Verdicts verdicts;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      std::string rest;
      if (!dry && line.starts_with("[mlops] start ")) {
        rest = line.substr(14);
        std::string name = rest.substr(0, rest.find(' '));
        size_t open = rest.find(" (");
        verdicts[name] = "run: " + rest.substr(open + 2, rest.size() - open - 3);
      } else if (!dry && line.starts_with("[mlops] skip  ")) {
        rest = line.substr(14);
        std::string name = rest.substr(0, rest.find(':'));
        verdicts[name] = rest.find("restored") != std::string::npos ? "restore" : "skip";
      } else if (dry && line.starts_with("    -. ")) {
        rest = line.substr(7);
        std::string name = rest.substr(0, rest.find(':'));
        verdicts[name] = rest.find("restorable") != std::string::npos ? "restore" : "skip";
      } else if (dry && line.starts_with("  ") && line.find(". ") != std::string::npos &&
                 !line.starts_with("    -.")) {
        rest = line.substr(line.find(". ") + 2);
        std::string name = rest.substr(0, rest.find(':'));
        size_t open = rest.rfind("  (");
        // With nothing recorded yet, the dry run does not repeat "never ran" on every line.
        verdicts[name] = open == std::string::npos
                             ? "run: never ran"
                             : "run: " + rest.substr(open + 3, rest.size() - open - 4);
      }
    }
    return verdicts;
  }
  // status, --dry-run and run agree; returns the verdicts.
  Verdicts agree(std::vector<std::string> extra = {}) {
    Verdicts planned = status(extra);
    std::vector<std::string> dry_args = {"run", "p.yaml", "--dry-run"};
    dry_args.insert(dry_args.end(), extra.begin(), extra.end());
    auto dry = mlops(dry_args);
    std::vector<std::string> run_args = {"run", "p.yaml"};
    run_args.insert(run_args.end(), extra.begin(), extra.end());
    auto run = mlops(run_args);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_EQ(parse(dry.out, true), planned) << dry.out;
    EXPECT_EQ(parse(run.out, false), planned) << run.out;
    return planned;
  }
  Workspace ws;
};

// Found when tried as a new user would: after `run -p n=2`, `status` said `a would restore,
// b up to date`, and the next `run` restored b too.
TEST_F(PlanAgreementTest, GoingBackToAnOldParamRestoresDownstreamToo) {
  ws.write("p.yaml", R"(version: 1
name: p
params: {n: 1}
stages:
  a: {run: 'echo ${params.n} > a.txt', outs: [a.txt]}
  b: {run: 'cat a.txt > b.txt; echo b >> b.txt', deps: [a.txt], outs: [b.txt]}
  c: {run: 'echo c > c.txt', outs: [c.txt]}
)");
  Verdicts first = agree();
  EXPECT_EQ(first["b"], "run: upstream a will run");
  Verdicts changed = agree({"-p", "n=2"});
  EXPECT_EQ(changed, (Verdicts{{"a", "run: param n changed: 1 -> 2"},
                               {"b", "run: upstream a will run"},
                               {"c", "skip"}}));
  Verdicts back = agree();
  EXPECT_EQ(back, (Verdicts{{"a", "restore"}, {"b", "restore"}, {"c", "skip"}}));
  EXPECT_EQ(ws.read("b.txt"), "1\nb\n");
  EXPECT_EQ(agree(), (Verdicts{{"a", "skip"}, {"b", "skip"}, {"c", "skip"}}));
}

TEST_F(PlanAgreementTest, AnEditedDepAndADeletedOutAgree) {
  ws.write("in.txt", "1\n");
  ws.write("p.yaml", R"(version: 1
name: p
stages:
  a: {run: 'cat in.txt > a.txt', deps: [in.txt], outs: [a.txt]}
  b: {run: 'cat a.txt > b.txt', deps: [a.txt], outs: [b.txt]}
)");
  agree();
  ws.write("in.txt", "2\n");
  EXPECT_EQ(agree(), (Verdicts{{"a", "run: deps changed: in.txt (changed)"},
                               {"b", "run: upstream a will run"}}));
  std::filesystem::remove(ws / "a.txt");
  EXPECT_EQ(agree(), (Verdicts{{"a", "restore"}, {"b", "skip"}}));
}

}  // namespace
}  // namespace mlops::e2e
