// Skipping unchanged stages and restoring outputs from the cache, end to end.
#include <fstream>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

class CacheTest : public ::testing::Test {
 protected:
  CommandResult mlops(std::vector<std::string> args) {
    return run_mlops(args, {ws.path(), {}, std::nullopt});
  }
  // The stages a run started, in order.
  static std::vector<std::string> started(const CommandResult& result) {
    std::vector<std::string> names;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("[mlops] start ")) {
        std::string rest = line.substr(14);
        names.push_back(rest.substr(0, rest.find(' ')));
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::vector<std::string> run_and_list(std::vector<std::string> args) {
    auto result = mlops(args);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return started(result);
  }
  Workspace ws;
};

using Names = std::vector<std::string>;

TEST_F(CacheTest, SecondRunOfTheQuickstartSkipsEveryStage) {
  std::filesystem::copy(source_dir() / "pipelines", ws / "pipelines",
                        std::filesystem::copy_options::recursive);
  EXPECT_EQ(run_and_list({"run", "pipelines/quickstart.yaml"}).size(), 7u);
  auto second = mlops({"run", "pipelines/quickstart.yaml"});
  EXPECT_EQ(second.exit_code, 0);
  EXPECT_TRUE(started(second).empty()) << second.out;
  EXPECT_NE(second.out.find("succeeded: 7 stages (7 from the cache)"), std::string::npos)
      << second.out;
  EXPECT_EQ(
      query_value(ws / ".mlops/store.db",
                  "SELECT count(*) FROM executions WHERE cached = 1 AND status = 'succeeded'"),
      "7");
}

TEST_F(CacheTest, TouchingWithoutChangingContentRerunsNothing) {
  ws.write("in.txt", "data\n");
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  a: {run: 'cat in.txt > out.txt', deps: [in.txt], outs: [out.txt]}\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"a"});
  ws.write("in.txt", "data\n");  // rewritten: new mtime, same bytes
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{});
  ws.write("in.txt", "other\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"a"});
}

TEST_F(CacheTest, AParamChangeRerunsExactlyItsUsersAndTheirDownstream) {
  ws.write("p.yaml", R"(version: 1
name: p
params: {lr: 0.1, depth: 3}
stages:
  prepare: {run: 'echo ${params.lr} > a.txt', outs: [a.txt]}
  train: {run: 'cat a.txt > model.txt', deps: [a.txt], outs: [model.txt]}
  report: {run: 'echo ${params.depth} > depth.txt', outs: [depth.txt]}
  publish: {run: 'cat depth.txt > pub.txt', deps: [depth.txt], outs: [pub.txt]}
)");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}).size(), 4u);
  EXPECT_EQ(run_and_list({"run", "p.yaml", "-p", "lr=0.2"}), (Names{"prepare", "train"}));
  EXPECT_EQ(run_and_list({"run", "p.yaml", "-p", "lr=0.2"}), Names{});
  // Back to lr=0.1: both versions are in the cache, so nothing runs; the files come back.
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{});
  EXPECT_EQ(ws.read("model.txt"), "0.1\n");
}

TEST_F(CacheTest, ADeletedOutputIsRestoredWithoutRunningTheCommand) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  a: {run: 'echo run >> counter; echo result > out/r.txt', outs: [out/r.txt]}\n"
           "  d: {run: 'echo run >> dcounter; mkdir -p dir/s && echo 1 > dir/s/f', "
           "outs: [dir]}\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}).size(), 2u);
  std::filesystem::remove(ws / "out/r.txt");
  std::filesystem::remove_all(ws / "dir");
  auto again = mlops({"run", "p.yaml"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(started(again).empty()) << again.out;
  EXPECT_NE(again.out.find("outs missing: out/r.txt; restored from the cache"), std::string::npos)
      << again.out;
  EXPECT_EQ(ws.read("out/r.txt"), "result\n");
  EXPECT_EQ(ws.read("dir/s/f"), "1\n");
  EXPECT_EQ(ws.read("counter"), "run\n");
  EXPECT_EQ(ws.read("dcounter"), "run\n");
  ws.write("out/r.txt", "edited by hand\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{});
  EXPECT_EQ(ws.read("out/r.txt"), "result\n");
}

TEST_F(CacheTest, AChangedFileInADirectoryDepRerunsTheStage) {
  ws.write("data/raw/1.csv", "a\n");
  ws.write("data/raw/2.csv", "b\n");
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  f: {run: 'cat data/raw/*.csv > f.csv', deps: [data/raw], outs: [f.csv]}\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"f"});
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{});
  ws.write("data/raw/2.csv", "c\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"f"});
  ws.write("data/raw/3.csv", "d\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"f"});
}

TEST_F(CacheTest, ForceAndOptOutsRunAnyway) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  a: {run: 'echo 1 > a.txt', outs: [a.txt]}\n"
           "  b: {run: 'echo 1 > b.txt', outs: [b.txt], always_run: true}\n"
           "  c: {run: 'echo 1 > c.txt', outs: [c.txt], cache: false}\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}).size(), 3u);
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), (Names{"b", "c"}));
  EXPECT_EQ(run_and_list({"run", "p.yaml", "--force-stage", "a"}), (Names{"a", "b", "c"}));
  EXPECT_EQ(run_and_list({"run", "p.yaml", "--force"}), (Names{"a", "b", "c"}));
}

TEST_F(CacheTest, ADepChangedWhileTheStageRanIsNotCached) {
  ws.write("dep.txt", "v1\n");
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  a: {run: 'echo more >> dep.txt; echo out > out.txt', deps: [dep.txt], "
           "outs: [out.txt]}\n");
  auto first = mlops({"run", "p.yaml"});
  EXPECT_EQ(first.exit_code, 0);
  EXPECT_NE(first.err.find("deps changed while it ran: dep.txt"), std::string::npos) << first.err;
  EXPECT_EQ(
      query_value(ws / ".mlops/store.db", "SELECT count(*) FROM events WHERE direction = 'output'"),
      "0");
  // Not linked to either version of dep.txt, so it runs again (and again changes its dep).
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"a"});
}

TEST_F(CacheTest, AnIncrementalStageSeesExactlyTheNewFiles) {
  ws.write("data/raw/1.csv", "a\n");
  ws.write("data/raw/2.csv", "b\n");
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  f:\n    incremental: true\n    deps: [data/raw]\n"
           "    outs: [changed.txt, removed.txt]\n"
           "    run: sort \"$MLOPS_CHANGED_DEPS\" > changed.txt; "
           "sort \"$MLOPS_REMOVED_DEPS\" > removed.txt\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"f"});
  EXPECT_EQ(ws.read("changed.txt"), "data/raw/1.csv\ndata/raw/2.csv\n");
  EXPECT_EQ(ws.read("removed.txt"), "");
  ws.write("data/raw/3.csv", "c\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"f"});
  EXPECT_EQ(ws.read("changed.txt"), "data/raw/3.csv\n");
  std::filesystem::remove(ws / "data/raw/1.csv");
  ws.write("data/raw/2.csv", "b2\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"f"});
  EXPECT_EQ(ws.read("changed.txt"), "data/raw/2.csv\n");
  EXPECT_EQ(ws.read("removed.txt"), "data/raw/1.csv\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{});  // nothing new: skipped
}

TEST_F(CacheTest, StatusExplainsWhatWouldRun) {
  ws.write("in.txt", "1\n");
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {lr: 0.1}\nstages:\n"
           "  a: {run: 'cat in.txt > a.txt; echo ${params.lr} >> a.txt', deps: [in.txt], "
           "outs: [a.txt]}\n"
           "  b: {run: 'cat a.txt > b.txt', deps: [a.txt], outs: [b.txt]}\n");
  auto never = mlops({"status", "p.yaml"});
  EXPECT_EQ(never.exit_code, 1);
  EXPECT_NE(never.out.find("never ran"), std::string::npos) << never.out;
  EXPECT_EQ(run_and_list({"run", "p.yaml"}).size(), 2u);
  auto current = mlops({"status", "p.yaml"});
  EXPECT_EQ(current.exit_code, 0) << current.out;
  auto param = mlops({"status", "p.yaml", "-p", "lr=0.05"});
  EXPECT_EQ(param.exit_code, 1);
  EXPECT_NE(param.out.find("param lr changed: 0.1 -> 0.05"), std::string::npos) << param.out;
  EXPECT_NE(param.out.find("upstream a will run"), std::string::npos) << param.out;
  ws.write("in.txt", "2\n");
  auto dep = mlops({"status", "p.yaml", "--json"});
  EXPECT_NE(dep.out.find("deps changed: in.txt (changed)"), std::string::npos) << dep.out;
  ws.write("in.txt", "1\n");
  std::filesystem::remove(ws / "b.txt");
  auto missing = mlops({"status", "p.yaml"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("would restore"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find("outs missing: b.txt; restorable from the cache"), std::string::npos)
      << missing.out;
}

TEST_F(CacheTest, CheckoutOfAnOlderRunGivesByteIdenticalFiles) {
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {v: one}\nstages:\n"
           "  a: {run: 'printf \"%s\\\\000\" ${params.v} > out/m.bin; mkdir -p out/d && echo "
           "${params.v} > out/d/f', outs: [out/m.bin, out/d]}\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"a"});
  std::string first_m = ws.read("out/m.bin");
  std::string first_id = query_value(ws / ".mlops/store.db", "SELECT id FROM runs");
  EXPECT_EQ(run_and_list({"run", "p.yaml", "-p", "v=two"}), Names{"a"});
  EXPECT_NE(ws.read("out/m.bin"), first_m);
  auto checkout = mlops({"checkout", first_id});
  EXPECT_EQ(checkout.exit_code, 0) << checkout.err;
  EXPECT_EQ(ws.read("out/m.bin"), first_m);
  EXPECT_EQ(ws.read("out/d/f"), "one\n");
  auto back = mlops({"checkout", "latest", "out/m.bin"});
  EXPECT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(ws.read("out/m.bin").substr(0, 3), "two");
  EXPECT_EQ(ws.read("out/d/f"), "one\n");  // only the named path

  ws.write("out/m.bin", "my own edit");
  auto refused = mlops({"checkout", first_id});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("hold changes that no run recorded: out/m.bin"), std::string::npos)
      << refused.err;
  EXPECT_EQ(ws.read("out/m.bin"), "my own edit");
  EXPECT_EQ(mlops({"checkout", first_id, "--force"}).exit_code, 0);
  EXPECT_EQ(ws.read("out/m.bin"), first_m);
  auto as_of = mlops({"checkout", "--as-of", "2001-01-01"});
  EXPECT_NE(as_of.out.find("checked out 0 versions"), std::string::npos) << as_of.out;
}

TEST_F(CacheTest, GcKeepsWhatIsReferencedAndRemovesTheRest) {
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {v: one}\nstages:\n"
           "  a: {run: 'echo ${params.v} > out.txt', outs: [out.txt]}\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"a"});
  std::string first_id = query_value(ws / ".mlops/store.db", "SELECT id FROM runs");
  EXPECT_EQ(run_and_list({"run", "p.yaml", "-p", "v=two"}), Names{"a"});
  auto objects = [&] {
    size_t count = 0;
    for (auto& entry : std::filesystem::recursive_directory_iterator(ws / ".mlops/cache")) {
      count += entry.is_regular_file();
    }
    return count;
  };
  EXPECT_EQ(objects(), 2u);
  auto dry = mlops({"gc", "--keep-last", "1", "--dry-run"});
  EXPECT_NE(dry.out.find("would free"), std::string::npos) << dry.out;
  EXPECT_EQ(objects(), 2u);
  auto gc = mlops({"gc", "--keep-last", "1"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("in 1 cached object and 1 log directory; kept 1 of 2 runs"),
            std::string::npos)
      << gc.out;
  EXPECT_EQ(objects(), 1u);
  // The kept run's version is still restorable; the old one is gone from the cache.
  std::filesystem::remove(ws / "out.txt");
  EXPECT_EQ(run_and_list({"run", "p.yaml", "-p", "v=two"}), Names{});
  EXPECT_EQ(ws.read("out.txt"), "two\n");
  auto old = mlops({"checkout", first_id});
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_NE(old.err.find("not in the cache"), std::string::npos) << old.err;
  // Everything is needed now: a second gc frees nothing.
  EXPECT_NE(mlops({"gc", "--keep-last", "1"}).out.find("freed 0 B"), std::string::npos);
  // By age: every run is younger than a day; none is younger than "now", but the workspace's
  // version stays.
  EXPECT_NE(mlops({"gc", "--keep-days", "1"}).out.find("kept 3 of 3 runs"), std::string::npos);
  auto by_age = mlops({"gc", "--keep-days", "0"});
  EXPECT_NE(by_age.out.find("kept 0 of 3 runs"), std::string::npos) << by_age.out;
  EXPECT_EQ(objects(), 1u);
}

TEST_F(CacheTest, DiffShowsWhatChangedBetweenRuns) {
  ws.write("p.yaml",
           "version: 1\nname: p\nparams: {v: 1}\nstages:\n"
           "  a: {run: 'echo ${params.v} > o.txt; echo {\\\"m\\\": ${params.v}} > m.json', "
           "outs: [o.txt], metrics: [m.json]}\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"a"});
  EXPECT_EQ(run_and_list({"run", "p.yaml", "-p", "v=2"}), Names{"a"});
  auto diff = mlops({"diff", "latest~1", "latest", "--json"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.out.find("\"name\": \"v\""), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("\"name\": \"o.txt\""), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("\"name\": \"a: m\""), std::string::npos) << diff.out;
  // A run with every stage cached still has the metrics, so it compares like any other.
  EXPECT_EQ(run_and_list({"run", "p.yaml", "-p", "v=2"}), Names{});
  auto same = mlops({"diff", "latest~1", "latest"});
  EXPECT_NE(same.out.find("do not differ"), std::string::npos) << same.out;
}

TEST_F(CacheTest, DryRunSaysWhatWouldBeSkipped) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  a: {run: 'echo 1 > a.txt', outs: [a.txt]}\n");
  EXPECT_EQ(run_and_list({"run", "p.yaml"}), Names{"a"});
  auto dry = mlops({"run", "p.yaml", "--dry-run"});
  EXPECT_NE(dry.out.find("-. a: up to date"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("0 stages would run"), std::string::npos) << dry.out;
}

}  // namespace
}  // namespace mlops::e2e
