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

std::string output_of(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen((command + " 2>&1").c_str(), "r")) {
    char buffer[4096];
    while (size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) {
      out.append(buffer, got);
    }
    ::pclose(pipe);
  }
  return out;
}

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
  std::string verdict =
      output_of("xmllint --noout --schema '" + xsd + "' '" + (ws / "out/junit.xml").string() + "'");
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

}  // namespace
}  // namespace mlops::e2e
