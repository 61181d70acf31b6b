// The metadata store end to end: what `mlops run` records, crashes, concurrency, bad stores, and
// the query commands' output.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

constexpr const char* k_features = R"(version: 1
name: features
stages:
  featurize:
    run: mkdir -p data && cat data/raw/*.csv > data/features.csv
    deps: [data/raw]
    outs: [data/features.csv]
)";

constexpr const char* k_training = R"(version: 1
name: training
params: {lr: 0.1}
stages:
  train:
    run: >-
      (cat data/features.csv; echo lr=${params.lr}) > models/model.txt &&
      echo '{"auc": 0.9, "nested": {"f1": 0.5}, "ok": true}' > metrics/train.json
    deps: [data/features.csv]
    outs: [{path: models/model.txt, type: model}]
    metrics: [metrics/train.json]
)";

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ws.write("features.yaml", k_features);
    ws.write("training.yaml", k_training);
    ws.write("data/raw/2026-01.csv", "a,1\n");
  }
  CommandResult mlops(std::vector<std::string> args) {
    return run_mlops(args, {ws.path(), {}, std::nullopt});
  }
  void run_ok(std::vector<std::string> args) {
    auto result = mlops(args);
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  }
  std::string value(const std::string& sql) { return query_value(store(), sql); }
  std::filesystem::path store() const { return ws / ".mlops/store.db"; }
  nlohmann::json json_of(std::vector<std::string> args) {
    auto result = mlops(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }
  Workspace ws;
};

TEST_F(StoreTest, QuickstartRunIsRecordedCompletely) {
  std::filesystem::copy(source_dir() / "pipelines", ws / "pipelines",
                        std::filesystem::copy_options::recursive);
  run_ok({"run", "pipelines/quickstart.yaml", "-p", "lr=0.3"});
  EXPECT_EQ(value("SELECT count(*) FROM runs WHERE status = 'succeeded'"), "1");
  EXPECT_EQ(value("SELECT pipeline_file FROM runs"), "pipelines/quickstart.yaml");
  EXPECT_EQ(value("SELECT json_extract(params_json, '$.lr') FROM runs"), "0.3");
  EXPECT_EQ(value("SELECT length(pipeline_hash) FROM runs"), "32");
  EXPECT_EQ(value("SELECT count(*) FROM executions WHERE status = 'succeeded' AND exit_code = 0"),
            "7");
  EXPECT_EQ(value("SELECT count(*) FROM executions WHERE ended_at IS NULL"), "0");
  EXPECT_EQ(value("SELECT kind FROM artifacts WHERE path = 'out/quickstart/models/logreg.json'"),
            "model");
  EXPECT_EQ(value("SELECT x.stage FROM artifacts a JOIN executions x ON x.id = a.produced_by "
                  "WHERE a.path = 'out/quickstart/features.csv'"),
            "featurize");
  EXPECT_EQ(value("SELECT count(*) FROM events e JOIN executions x ON x.id = e.execution_id "
                  "WHERE x.stage = 'split' AND e.direction = 'input'"),
            "2");
  EXPECT_EQ(value("SELECT count(*) FROM metrics WHERE key = 'logreg.accuracy'"), "1");
  EXPECT_EQ(value("SELECT count(*) FROM artifacts WHERE length(digest) != 32"), "0");
}

TEST_F(StoreTest, ASecondRunAddsVersionsOnlyForChangedArtifacts) {
  run_ok({"run", "features.yaml"});
  run_ok({"run", "training.yaml"});
  std::string before = value("SELECT count(*) FROM artifacts");
  run_ok({"run", "training.yaml"});  // nothing changed: the same versions, linked again
  EXPECT_EQ(value("SELECT count(*) FROM artifacts"), before);
  // featurize: 1 in + 1 out; each train: 1 in + 2 out (model, metrics).
  EXPECT_EQ(value("SELECT count(*) FROM events"), "8");

  ws.write("data/raw/2026-02.csv", "b,2\n");
  run_ok({"run", "features.yaml"});
  run_ok({"run", "training.yaml"});
  // New versions: data/raw, data/features.csv, models/model.txt; metrics/train.json is unchanged.
  EXPECT_EQ(std::stoi(value("SELECT count(*) FROM artifacts")), std::stoi(before) + 3);
  EXPECT_EQ(value("SELECT count(*) FROM artifacts WHERE path = 'metrics/train.json'"), "1");
  EXPECT_EQ(value("SELECT count(*) FROM artifacts WHERE path = 'models/model.txt'"), "2");
  auto history = json_of({"artifacts", "models/model.txt", "--history", "--json"});
  ASSERT_EQ(history.size(), 2u);
  EXPECT_NE(history[0]["digest"], history[1]["digest"]);
  EXPECT_EQ(history[0]["produced_by"]["stage"], "train");
}

TEST_F(StoreTest, LineageCrossesPipelines) {
  run_ok({"run", "features.yaml"});
  run_ok({"run", "training.yaml"});
  auto text = mlops({"lineage", "models/model.txt"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("written by train in run"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(pipeline training, succeeded"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("read data/features.csv"), std::string::npos);
  EXPECT_NE(text.out.find("written by featurize in run"), std::string::npos);
  EXPECT_NE(text.out.find("(pipeline features, succeeded"), std::string::npos);
  EXPECT_NE(text.out.find("read data/raw"), std::string::npos);

  auto graph = json_of({"lineage", "models/model.txt", "--format", "json"});
  std::set<std::string> pipelines;
  for (const auto& execution : graph["executions"]) {
    pipelines.insert(execution["run_detail"]["pipeline"].get<std::string>());
  }
  EXPECT_EQ(pipelines, (std::set<std::string>{"features", "training"}));

  auto down = mlops({"lineage", "data/raw", "--downstream"});
  EXPECT_NE(down.out.find("wrote models/model.txt"), std::string::npos) << down.out;
}

TEST_F(StoreTest, KilledMlopsLeavesAnInterruptedRunAndANewRunWorks) {
  ws.write("slow.yaml",
           "version: 1\nname: slow\nstages:\n"
           "  wait: {run: 'echo $$ > wait.pid; sleep 1000'}\n");
  MlopsProcess mlops_process({"run", "slow.yaml"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_file(ws / "wait.pid"));
  pid_t stage = -1;
  while (stage <= 0) {
    stage = read_pid(ws / "wait.pid");
  }
  // The recorder writes within 100 ms of a change; kill once the execution row is there.
  ASSERT_TRUE(wait_for_executions(store(), 1));
  mlops_process.signal(SIGKILL);
  mlops_process.wait();
  ::kill(-stage, SIGKILL);  // the stage's own children outlive a SIGKILLed mlops

  auto runs = json_of({"runs", "--json"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "interrupted");
  EXPECT_EQ(value("SELECT status FROM executions"), "interrupted");

  ws.write("slow.yaml", "version: 1\nname: slow\nstages:\n  wait: {run: 'true'}\n");
  run_ok({"run", "slow.yaml"});
  EXPECT_EQ(value("SELECT count(*) FROM runs WHERE status = 'succeeded'"), "1");
}

TEST_F(StoreTest, FourConcurrentRunsOnOneStoreAreAllRecorded) {
  std::vector<std::unique_ptr<MlopsProcess>> processes;
  for (int p = 0; p < 4; ++p) {
    std::string yaml = "version: 1\nname: p" + std::to_string(p) + "\nstages:\n";
    for (int s = 0; s < 25; ++s) {
      std::string out = "out/p" + std::to_string(p) + "/s" + std::to_string(s);
      yaml += "  s" + std::to_string(s) + ": {run: 'echo " + std::to_string(s) + " > " + out +
              "', outs: [" + out + "]" +
              (s > 0 ? ", needs: [s" + std::to_string(s - 1) + "]" : std::string()) + "}\n";
    }
    ws.write("p" + std::to_string(p) + ".yaml", yaml);
  }
  for (int p = 0; p < 4; ++p) {
    processes.push_back(std::make_unique<MlopsProcess>(
        std::vector<std::string>{"run", "p" + std::to_string(p) + ".yaml"},
        RunOptions{ws.path(), {}, std::nullopt}));
  }
  for (auto& process : processes) {
    auto result = process->wait();
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err.find("locked"), std::string::npos) << result.err;
  }
  EXPECT_EQ(value("SELECT count(*) FROM runs WHERE status = 'succeeded'"), "4");
  EXPECT_EQ(value("SELECT count(*) FROM executions WHERE status = 'succeeded'"), "100");
  EXPECT_EQ(value("SELECT count(*) FROM events WHERE direction = 'output'"), "100");
}

TEST_F(StoreTest, ASecondRunOfTheSamePipelineIsRefused) {
  ws.write("slow.yaml",
           "version: 1\nname: slow\nstages:\n"
           "  wait: {run: 'touch started; while [ ! -e stop ]; do sleep 0.05; done'}\n");
  MlopsProcess first({"run", "slow.yaml"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_file(ws / "started"));
  auto second = mlops({"run", "slow.yaml"});
  EXPECT_EQ(second.exit_code, 2);
  std::string running = value("SELECT id FROM runs WHERE status = 'running'");
  EXPECT_NE(second.err.find("pipeline 'slow' is already running in this workspace: run " + running),
            std::string::npos)
      << second.err;
  ws.write("stop", "");
  EXPECT_EQ(first.wait().exit_code, 0);
  EXPECT_EQ(value("SELECT count(*) FROM runs"), "1");
}

TEST_F(StoreTest, AnUnusableStoreStopsTheRunBeforeAnyStage) {
  ws.write("p.yaml", "version: 1\nname: p\nstages:\n  a: {run: touch ran}\n");
  ws.write("not-a-dir", "");
  auto under_file = mlops({"run", "p.yaml", "--store", "not-a-dir/store.db"});
  EXPECT_EQ(under_file.exit_code, 2);
  EXPECT_NE(under_file.err.find("cannot use the metadata store"), std::string::npos)
      << under_file.err;
  EXPECT_FALSE(ws.exists("ran"));

  std::string junk(4096, 'x');
  ws.write(".mlops/store.db", junk);
  auto corrupt = mlops({"run", "p.yaml"});
  EXPECT_EQ(corrupt.exit_code, 2);
  EXPECT_NE(corrupt.err.find("not a database"), std::string::npos) << corrupt.err;
  EXPECT_FALSE(ws.exists("ran"));
  EXPECT_EQ(ws.read(".mlops/store.db"), junk);  // nothing damaged

  auto env = run_mlops({"run", "p.yaml"},
                       {ws.path(), {"MLOPS_STORE=" + (ws / "other.db").string()}, std::nullopt});
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(query_value(ws / "other.db", "SELECT count(*) FROM runs"), "1");
}

// Root ignores directory permissions, so as root the run goes through `su nobody`.
TEST_F(StoreTest, AReadOnlyStoreDirectoryStopsTheRunBeforeAnyStage) {
  ws.write("p.yaml", "version: 1\nname: p\nstages:\n  a: {run: touch ran}\n");
  std::filesystem::create_directories(ws / "rostore");
  std::string command = mlops_binary().string() + " run p.yaml --store rostore/store.db";
  if (::geteuid() == 0) {
    std::string probe =
        "su nobody -s /bin/sh -c '" + mlops_binary().string() + " --version' > /dev/null 2>&1";
    if (std::system(probe.c_str()) != 0) {
      GTEST_SKIP() << "running as root, and user nobody cannot run " << mlops_binary();
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(ws.path())) {
      std::filesystem::permissions(entry.path(), std::filesystem::perms::all);
    }
    std::filesystem::permissions(ws.path(), std::filesystem::perms::all);
    command = "su nobody -s /bin/sh -c '" + command + "'";
  }
  std::filesystem::permissions(
      ws / "rostore", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
                          std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                          std::filesystem::perms::others_read |
                          std::filesystem::perms::others_exec);
  std::string full = "cd '" + ws.path().string() + "' && " + command + " > out.txt 2> err.txt";
  int status = std::system(full.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2) << ws.read("err.txt");
  EXPECT_NE(ws.read("err.txt").find("cannot use the metadata store"), std::string::npos)
      << ws.read("err.txt");
  EXPECT_FALSE(ws.exists("ran"));
}

TEST_F(StoreTest, JsonOutputHasTheDocumentedFields) {
  run_ok({"run", "features.yaml"});
  run_ok({"run", "training.yaml", "-p", "lr=0.2"});
  auto runs = json_of({"runs", "--json"});
  ASSERT_EQ(runs.size(), 2u);
  for (const char* field :
       {"id", "pipeline", "pipeline_file", "pipeline_hash", "status", "cause", "params", "git",
        "host", "user", "mlops_version", "started_at", "ended_at"}) {
    EXPECT_TRUE(runs[0].contains(field)) << field;
  }
  EXPECT_EQ(runs[0]["pipeline"], "training");
  EXPECT_EQ(runs[0]["params"]["lr"], 0.2);
  EXPECT_EQ(runs[0]["cause"], "manual");

  auto show = json_of({"show", "latest", "--json"});
  ASSERT_EQ(show["executions"].size(), 1u);
  const auto& train = show["executions"][0];
  EXPECT_EQ(train["stage"], "train");
  EXPECT_EQ(train["exit_code"], 0);
  EXPECT_EQ(train["inputs"][0]["path"], "data/features.csv");
  EXPECT_EQ(train["outputs"].size(), 2u);
  EXPECT_EQ(train["metrics"]["auc"], 0.9);
  EXPECT_EQ(train["metrics"]["nested.f1"], 0.5);
  EXPECT_EQ(train["metrics"]["ok"], 1.0);

  auto metrics = json_of({"metrics", "latest", "--json"});
  EXPECT_EQ(metrics["metrics"]["train: auc"][runs[0]["id"].get<std::string>()], 0.9);
  auto artifacts = json_of({"artifacts", "--json"});
  EXPECT_EQ(artifacts.size(), 4u);  // data/raw, data/features.csv, models/model.txt, metrics

  // The shortest prefix of the newest id that the other id does not share names it.
  std::string newest = runs[0]["id"], other = runs[1]["id"];
  size_t common = 0;
  while (common < newest.size() && newest[common] == other[common]) {
    ++common;
  }
  auto by_prefix = run_mlops({"show", newest.substr(0, common + 1)}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(by_prefix.exit_code, 0) << by_prefix.err;
  EXPECT_NE(by_prefix.out.find("run       " + newest), std::string::npos);
  auto ambiguous = run_mlops({"show", newest.substr(0, common)}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_NE(ambiguous.err.find("matches several runs"), std::string::npos) << ambiguous.err;
  auto older = json_of({"show", "latest~1", "--json"});
  EXPECT_EQ(older["pipeline"], "features");
}

TEST_F(StoreTest, OpenLineageEventsHaveTheRequiredFields) {
  run_ok({"run", "features.yaml"});
  auto result = mlops({"export", "openlineage", "latest"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(result.out);
  std::map<std::string, int> types;
  int with_parent = 0;
  for (std::string line; std::getline(lines, line);) {
    auto event = nlohmann::json::parse(line);
    for (const char* field : {"eventTime", "producer", "schemaURL", "eventType", "run", "job"}) {
      EXPECT_TRUE(event.contains(field)) << field << " in " << line;
    }
    EXPECT_EQ(event["run"]["runId"].get<std::string>().size(), 36u);
    EXPECT_FALSE(event["job"]["namespace"].get<std::string>().empty());
    EXPECT_FALSE(event["job"]["name"].get<std::string>().empty());
    for (const char* list : {"inputs", "outputs"}) {
      for (const auto& dataset : event[list]) {
        EXPECT_TRUE(dataset.contains("namespace") && dataset.contains("name")) << line;
        EXPECT_EQ(dataset["facets"]["contentHash"]["digest"].get<std::string>().size(), 32u);
      }
    }
    if (event["run"].contains("facets")) {
      ++with_parent;
      EXPECT_TRUE(event["run"]["facets"]["parent"]["run"].contains("runId"));
    }
    ++types[event["eventType"].get<std::string>()];
  }
  EXPECT_EQ(types["START"], 2);  // the pipeline run and its one stage
  EXPECT_EQ(types["COMPLETE"], 2);
  EXPECT_EQ(with_parent, 2);
}

TEST_F(StoreTest, LogsOfAStage) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n  a: {run: echo from-a}\n  b: {run: echo from-b}\n");
  run_ok({"run", "p.yaml"});
  auto one = mlops({"logs", "latest", "a"});
  EXPECT_EQ(one.out, "from-a\n");
  auto all = mlops({"logs", "latest"});
  EXPECT_NE(all.out.find("==> a (attempt 1, succeeded) <==\nfrom-a\n"), std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("from-b\n"), std::string::npos);
  auto missing = mlops({"logs", "latest", "zz"});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST_F(StoreTest, LogsFollowPrintsOutputUntilTheRunEnds) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n"
           "  talk: {run: 'echo one; while [ ! -e stop ]; do sleep 0.05; done; echo two'}\n");
  MlopsProcess run({"run", "p.yaml"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_executions(store(), 1));
  MlopsProcess follow({"logs", "latest", "talk", "--follow"}, {ws.path(), {}, std::nullopt});
  ws.write("stop", "");
  EXPECT_EQ(run.wait().exit_code, 0);
  auto followed = follow.wait();
  EXPECT_EQ(followed.exit_code, 0) << followed.err;
  EXPECT_EQ(followed.out, "one\ntwo\n");
}

TEST_F(StoreTest, QueriesWithoutAStoreSayWhatToDo) {
  auto result = mlops({"runs"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no metadata store at"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace mlops::e2e
