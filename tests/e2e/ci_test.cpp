// Fitting CI systems: JUnit XML for Jenkins, workflow commands, step summary and outputs for
// GitHub Actions.
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_mixed = R"(version: 1
name: ci
stages:
  prepare: {run: "echo prepared > prepared.txt", outs: [prepared.txt]}
  train:
    run: |
      echo 'loss went <NaN> & "bad"' >&2
      printf 'caf\303\251 \033[31mred\033[0m\n' >&2
      exit 3
    needs: [prepare]
  evaluate: {run: "true", needs: [train]}
  lint: {run: "echo linted"}
)";

class CiTest : public ::testing::Test {
 protected:
  CommandResult mlops(std::vector<std::string> args, std::vector<std::string> env = {}) {
    return run_mlops(args, {ws.path(), env, std::nullopt});
  }
  Workspace ws;
};

TEST_F(CiTest, JunitReportValidatesAgainstTheJenkinsSchema) {
  ASSERT_EQ(std::system("xmllint --version > /dev/null 2>&1"), 0)
      << "xmllint is missing: apt-get install libxml2-utils (scripts/install-deps.sh does)";
  ws.write("ci.yaml", k_mixed);
  ASSERT_EQ(mlops({"run", "ci.yaml", "-j", "1", "--stage", "prepare"}).exit_code, 0);
  auto result = mlops({"run", "ci.yaml", "-j", "1", "--keep-going", "--junit", "out/junit.xml"});
  EXPECT_EQ(result.exit_code, 1);
  ASSERT_TRUE(ws.exists("out/junit.xml")) << result.err;
  std::string xsd = (source_dir() / "tests/data/junit-10.xsd").string();
  std::string verdict = run_shell("xmllint --noout --schema '" + xsd + "' '" +
                                  (ws / "out/junit.xml").string() + "' 2>&1")
                            .out;
  EXPECT_NE(verdict.find("validates"), std::string::npos) << verdict << ws.read("out/junit.xml");

  std::string xml = ws.read("out/junit.xml");
  EXPECT_NE(xml.find("<testsuite name=\"ci\" tests=\"4\" failures=\"1\" errors=\"0\" "
                     "skipped=\"2\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase name=\"train\" classname=\"ci\""), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"exit code 3\" type=\"StageFailed\">loss went &lt;NaN&gt; "
                     "&amp; &quot;bad&quot;\ncaf\xc3\xa9 [31mred[0m\nlog: .mlops/logs/"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<skipped message=\"cached: up to date\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<skipped message=\"upstream train failed\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<system-out>log: .mlops/logs/"), std::string::npos) << xml;
}

constexpr const char* k_github = R"(version: 1
name: gh
params: {acc: 0.5}
stages:
  train:
    run: |
      echo '::add-mask::not-a-secret'
      echo "::error::forged by the stage"
      echo '{"acc": ${params.acc}}' > metrics.json
    metrics: [metrics.json]
  evaluate: {run: "echo 'evaluation broke' >&2; exit 4", needs: [train]}
)";

TEST_F(CiTest, GithubActionsGetsGroupsAnnotationsSummaryAndOutputs) {
  ws.write("gh.yaml", k_github);
  std::vector<std::string> env = {"GITHUB_ACTIONS=true",
                                  "GITHUB_STEP_SUMMARY=" + (ws / "summary.md").string(),
                                  "GITHUB_OUTPUT=" + (ws / "output.txt").string()};
  ASSERT_EQ(mlops({"run", "gh.yaml", "--stage", "train"}, env).exit_code, 0);
  std::filesystem::remove(ws / "summary.md");
  std::filesystem::remove(ws / "output.txt");
  auto result = mlops({"run", "gh.yaml", "-p", "acc=0.75"}, env);
  EXPECT_EQ(result.exit_code, 1);
  const std::string& out = result.out;

  // The stage's log, inside a group, with workflow commands switched off around it.
  size_t group = out.find("::group::train (succeeded, ");
  ASSERT_NE(group, std::string::npos) << out;
  size_t stop = out.find("::stop-commands::", group);
  ASSERT_NE(stop, std::string::npos) << out;
  std::string token = out.substr(stop + 17, out.find('\n', stop) - stop - 17);
  EXPECT_GE(token.size(), 16u);
  size_t mask = out.find("::add-mask::not-a-secret", stop);
  size_t resume = out.find("::" + token + "::", stop);
  size_t end = out.find("::endgroup::", stop);
  EXPECT_LT(mask, resume);
  EXPECT_LT(out.find("::error::forged by the stage", stop), resume);
  EXPECT_LT(resume, end);
  EXPECT_EQ(out.find("train | "), std::string::npos) << "no live, interleaved output";

  EXPECT_NE(out.find("::error title=stage evaluate failed::exit code 4%0Aevaluation broke%0Alog: "
                     ".mlops/logs/"),
            std::string::npos)
      << out;

  std::string summary = ws.read("summary.md");
  EXPECT_NE(summary.find("### ❌ mlops run `"), std::string::npos) << summary;
  EXPECT_NE(summary.find("| `evaluate` | failed |"), std::string::npos) << summary;
  EXPECT_NE(summary.find("| `train` | `acc` | 0.75 | 0.5 | +0.25 |"), std::string::npos) << summary;
  std::string output = ws.read("output.txt");
  EXPECT_NE(output.find("run_id=2"), std::string::npos) << output;
  EXPECT_NE(output.find("\nstatus=failed\n"), std::string::npos) << output;
}

TEST_F(CiTest, GithubActionsAnnotatesPipelineErrorsOnTheFile) {
  ws.write("bad.yaml", "version: 1\nname: bad\nstages:\n  a: {rn: x, run: 'true'}\n");
  auto result = mlops({"check", "bad.yaml"}, {"GITHUB_ACTIONS=true"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out,
            "::error file=bad.yaml,line=4,col=7,title=mlops check::unknown key 'rn' in stage 'a' "
            "(did you mean 'run'?)\n");
  auto plain = mlops({"check", "bad.yaml"});
  EXPECT_EQ(plain.out, "");
}

}  // namespace
}  // namespace mlops::e2e
