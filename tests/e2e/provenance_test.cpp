// Provenance that cannot be wrong (issue 11, section 1): no stale output recorded as a new
// run's product, lineage and histories naming the execution that produced the bytes, verified
// cache restores, and malformed manifests treated as corrupt objects.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

class ProvenanceTest : public WorkspaceTest {
 protected:
  // The object file of the version of `path` written last.
  std::filesystem::path object_of(const std::string& path, const std::string& suffix = "") {
    std::string digest = store_value("SELECT digest FROM artifacts WHERE path = '" + path +
                                     "' ORDER BY id DESC LIMIT 1");
    return ws / ".mlops/cache/objects" / digest.substr(0, 2) / (digest.substr(2) + suffix);
  }
  void overwrite(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::permissions(file, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::ofstream(file, std::ios::trunc) << text;
  }
  static bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
};

TEST_F(ProvenanceTest, AStageThatDoesNotRewriteItsOutputFailsInsteadOfRecordingTheOldBytes) {
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {write: 'yes', v: one}\nstages:\n"
           "  a: {run: 'if [ ${params.write} = yes ]; then echo ${params.v} > out.txt; "
           "fi', outs: [out.txt]}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  auto stale = mlops({"run", "p.yaml", "-p", "write=no", "-p", "v=two"});
  EXPECT_EQ(stale.exit_code, 1) << stale.out << stale.err;
  EXPECT_TRUE(has(stale.out + stale.err, "did not write its output 'out.txt'")) << stale.out;
  // The stage failed: the previous version is put back, and nothing is recorded as its product.
  EXPECT_EQ(ws.read("out.txt"), "one\n");
  EXPECT_EQ(store_value("SELECT count(*) FROM events e JOIN executions x ON x.id = "
                        "e.execution_id WHERE x.run_id = '" +
                        latest_run() + "' AND e.direction = 'output'"),
            "0");
  EXPECT_FALSE(std::filesystem::exists(ws / ".mlops/aside"));
}

TEST_F(ProvenanceTest, LineageAndArtifactsNameTheRunThatProducedTheBytes) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  split: {run: 'echo rows > out.txt', outs: [out.txt]}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  std::string producer = latest_run();
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);  // every stage from the cache
  std::string reuser = latest_run();
  ASSERT_NE(producer, reuser);
  auto lineage = mlops({"lineage", "out.txt"});
  EXPECT_TRUE(has(lineage.out, "written by split in run " + producer)) << lineage.out;
  EXPECT_TRUE(has(lineage.out, "reused from the cache in run " + reuser)) << lineage.out;
  auto artifacts = nlohmann::json::parse(mlops({"artifacts", "--json"}).out);
  ASSERT_EQ(artifacts.size(), 1u);
  EXPECT_EQ(artifacts[0]["produced_by"]["run"], producer);
  EXPECT_EQ(artifacts[0]["reused_in"], nlohmann::json::array({reuser}));
}

TEST_F(ProvenanceTest, MetricHistoryShowsEachProducedValueOnce) {
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {acc: 0.5}\nstages:\n"
           "  train: {run: 'echo {\\\"acc\\\": ${params.acc}} > m.json', "
           "metrics: [m.json]}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  std::string first = latest_run();
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  std::string reuser = latest_run();
  ASSERT_EQ(mlops({"run", "p.yaml", "-p", "acc=0.75"}).exit_code, 0);
  auto history =
      nlohmann::json::parse(mlops({"metrics", "history", "acc", "--pipeline", "p", "--json"}).out);
  ASSERT_EQ(history["values"].size(), 2u) << history.dump();
  EXPECT_EQ(history["values"][0]["run"], first);
  EXPECT_EQ(history["values"][0]["reused_in"], nlohmann::json::array({reuser}));
  EXPECT_EQ(history["values"][1]["value"], 0.75);
  auto text = mlops({"metrics", "history", "acc", "--pipeline", "p", "--reused"});
  EXPECT_TRUE(has(text.out, "REUSED IN")) << text.out;
  EXPECT_TRUE(has(text.out, reuser)) << text.out;

  // Without --pipeline: the one pipeline that recorded the key; none or several is an error.
  auto only = mlops({"metrics", "history", "acc", "--json"});
  EXPECT_EQ(only.exit_code, 0) << only.err;
  EXPECT_EQ(nlohmann::json::parse(only.out)["pipeline"], "p");
  auto none = mlops({"metrics", "history", "nope"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(has(none.err, "no run recorded metric 'nope'")) << none.err;
  ws.write("q.yaml",
           "version: 1\nname: q\nstages:\n"
           "  train: {run: 'echo {\\\"acc\\\": 1} > n.json', metrics: [n.json]}\n");
  ASSERT_EQ(mlops({"run", "q.yaml"}).exit_code, 0);
  auto both = mlops({"metrics", "history", "acc"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_TRUE(has(both.err, "several pipelines (p, q): name one with --pipeline")) << both.err;
}

TEST_F(ProvenanceTest, GcKeepLastCountsOnlyRunsThatProducedSomething) {
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {v: one}\nstages:\n"
           "  a: {run: 'echo ${params.v} > out.txt', outs: [out.txt]}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"run", "p.yaml", "-p", "v=two"}).exit_code, 0);
  std::string second = latest_run();
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);  // v=one again: restored, nothing ran
  auto gc = mlops({"gc", "--keep-last", "1"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_TRUE(has(gc.out, "kept 1 of 3 runs (--keep-last counts succeeded runs that ran a stage"))
      << gc.out;
  // The newest run that produced something is the second: its version is still restorable.
  auto back = mlops({"checkout", second});
  EXPECT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_EQ(ws.read("out.txt"), "two\n");
}

TEST_F(ProvenanceTest, ACorruptCachedObjectIsQuarantinedAndTheStageRunsAgain) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  a: {run: 'echo good > out.txt', outs: [out.txt]}\n"
           "  b: {run: 'cat out.txt out.txt > copy.txt', deps: [out.txt], outs: [copy.txt]}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  std::string first = latest_run();
  overwrite(object_of("out.txt"), "evil\n");
  std::filesystem::remove(ws / "out.txt");
  auto run = mlops({"run", "p.yaml"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(has(run.out + run.err, "quarantine")) << run.out << run.err;
  EXPECT_TRUE(has(run.out, "[mlops] start a")) << run.out;
  EXPECT_EQ(ws.read("out.txt"), "good\n");
  EXPECT_EQ(ws.read("copy.txt"), "good\ngood\n");
  EXPECT_FALSE(std::filesystem::is_empty(ws / ".mlops/cache/quarantine"));
  // checkout verifies the same way, and `cache verify` checks every object.
  EXPECT_EQ(mlops({"cache", "verify"}).exit_code, 0);
  overwrite(object_of("copy.txt"), "evil\n");
  std::filesystem::remove(ws / "copy.txt");
  auto checkout = mlops({"checkout", first});
  EXPECT_EQ(checkout.exit_code, 1) << checkout.out << checkout.err;
  EXPECT_TRUE(has(checkout.err, "copy.txt")) << checkout.err;
  EXPECT_FALSE(ws.exists("copy.txt"));
  ws.write("out.txt", "good\n");
  overwrite(object_of("out.txt"), "evil\n");
  auto verify = mlops({"cache", "verify"});
  EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
  EXPECT_TRUE(has(verify.out, "1 bad")) << verify.out;
  EXPECT_EQ(mlops({"cache", "verify"}).exit_code, 0);  // quarantined: the cache is clean now
}

TEST_F(ProvenanceTest, AMalformedManifestIsQuarantinedNotAnInternalError) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  a: {run: 'mkdir -p d && echo x > d/a.txt', outs: [d]}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  std::string first = latest_run();
  overwrite(object_of("d", ".dir"), R"([{"path": 1, "digest": 5}])");
  std::filesystem::remove_all(ws / "d");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"status", "p.yaml"}, {"gc", "--dry-run"}, {"checkout", first}}) {
    auto result = mlops(args);
    EXPECT_FALSE(has(result.err, "internal error")) << args[0] << ": " << result.err;
    EXPECT_NE(result.exit_code, 2) << args[0] << ": " << result.err;
  }
  EXPECT_FALSE(std::filesystem::exists(object_of("d", ".dir")));  // quarantined by checkout
  auto run = mlops({"run", "p.yaml"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(ws.read("d/a.txt"), "x\n");
  overwrite(object_of("d", ".dir"), "{not json");
  auto verify = mlops({"cache", "verify"});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_TRUE(has(verify.err, "malformed cache manifest")) << verify.err;
}

}  // namespace
}  // namespace mlops::e2e
