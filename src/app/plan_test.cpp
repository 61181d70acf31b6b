// `mlops status` (app/plan), `mlops run --dry-run` and a real run agree, stage for stage and
// word for word, over the states a pipeline goes through (issue 10's matrix).
#include "app/plan.hpp"

#include <gtest/gtest.h>

#include "app/app_test_util.hpp"
#include "app/run_service.hpp"
#include "dag/selection.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

using testing::FileWritingRunner;
using testing::TempWorkspace;

// What happened to each stage: "run: REASON", "restore: REASON", "skip".
using Verdicts = std::map<std::string, std::string>;

// Hears stage_started / stage_cached and keeps each stage's verdict.
class VerdictReporter final : public Reporter {
 public:
  explicit VerdictReporter(Verdicts& verdicts) : m_verdicts(verdicts) {}
  void stage_started(const Stage& stage, int attempt, int, const ProcessRequest&,
                     const StageReport& report) override {
    if (attempt == 1) {  // without a store (a first dry run) there is no note
      m_verdicts[stage.name] = "run: " + (report.note.empty() ? "never ran" : report.note);
    }
  }
  void stage_cached(const Stage& stage, const StageReport& report) override {
    bool restored = report.note.find("restor") != std::string::npos;
    std::string note = report.note;
    if (auto at = note.find("; restorable"); at != std::string::npos) {
      note.replace(at, 12, "; restored");  // the plan's tense
    }
    m_verdicts[stage.name] = restored ? "restore: " + note : "skip";
  }

 private:
  Verdicts& m_verdicts;
};

class CapturingObserver final : public RunObserver {
 public:
  std::vector<Reporter*> reporters(const Pipeline&, bool) override { return {&reporter}; }
  Verdicts verdicts;
  VerdictReporter reporter{verdicts};
};

class PlanTest : public ::testing::Test {
 protected:
  RunRequest request(std::vector<std::string> params = {}) {
    RunRequest r;
    r.pipeline = ws.root() / "p.yaml";
    r.params = std::move(params);
    r.jobs = 2;
    return r;
  }
  // What `mlops status` says (through app/plan).
  Verdicts status(const RunRequest& r) {
    LoadedPipeline loaded = load_checked_pipeline(r.pipeline, {r.params, r.params_file});
    EXPECT_TRUE(loaded.checked);
    auto workspace = Workspace::open(ws.root(), std::nullopt, StoreMode::IfExists);
    EXPECT_TRUE(workspace.ok());
    auto selected =
        select_stages(loaded.checked->pipeline, loaded.checked->graph, {r.stages, r.from});
    PlanOptions options{*selected, r.force,
                        std::set<std::string>(r.force_stages.begin(), r.force_stages.end()), 2};
    Plan plan = plan_run(*workspace, *loaded.checked, options);
    Verdicts verdicts;
    for (const auto& stage : plan.stages) {
      if (stage.action == PlannedAction::Run) {
        verdicts[stage.stage] = "run: " + stage.reason;
      } else if (stage.action == PlannedAction::Restore) {
        std::string reason = stage.reason;
        reason.replace(reason.find("; restorable"), 12, "; restored");
        verdicts[stage.stage] = "restore: " + reason;
      } else if (stage.action == PlannedAction::Skip) {
        verdicts[stage.stage] = "skip";
      }
    }
    return verdicts;
  }
  Verdicts dry_run(RunRequest r) {
    r.dry_run = true;
    CapturingObserver observer;
    RunOutcome outcome = run_pipeline(std::move(r), observer);
    EXPECT_FALSE(outcome.error) << outcome.error->message();
    return observer.verdicts;
  }
  Verdicts run(RunRequest r, std::set<std::string> fail = {}) {
    CapturingObserver observer;
    RunSeams seams;
    seams.make_runner = [&](const Pipeline& pipeline, OutputSink&) {
      auto runner = std::make_unique<FileWritingRunner>(pipeline);
      runner->fail = fail;
      return runner;
    };
    RunOutcome outcome = run_pipeline(std::move(r), observer, seams);
    EXPECT_FALSE(outcome.error) << outcome.error->message();
    return observer.verdicts;
  }
  // status, dry run and run agree; returns what they said.
  Verdicts agree(const RunRequest& r) {
    Verdicts planned = status(r);
    Verdicts dry = dry_run(r);
    Verdicts actual = run(r);
    EXPECT_EQ(planned, dry);
    EXPECT_EQ(planned, actual);
    return actual;
  }
  static std::vector<std::string> running(const Verdicts& verdicts) {
    std::vector<std::string> names;
    for (const auto& [name, verdict] : verdicts) {
      if (verdict.starts_with("run")) {
        names.push_back(name);
      }
    }
    return names;
  }

  TempWorkspace ws;
};

const char* k_chain = R"(version: 1
name: p
params: {n: 1, m: 1}
stages:
  a: {run: 'make a ${params.n}', deps: [in.txt], outs: [a.txt]}
  b: {run: 'make b ${params.m}', deps: [a.txt], outs: [b.txt]}
  c: {run: 'make c', deps: [b.txt], outs: [c.txt]}
  side: {run: 'make side', outs: [side.txt]}
)";

class PlanMatrixTest : public PlanTest {
 protected:
  void SetUp() override {
    ws.write("in.txt", "input\n");
    ws.write("p.yaml", k_chain);
    Verdicts first = agree(request());
    EXPECT_EQ(running(first), (std::vector<std::string>{"a", "b", "c", "side"}));
    EXPECT_EQ(first["a"], "run: never ran");
  }
};

TEST_F(PlanMatrixTest, NothingChangedRunsNothing) {
  Verdicts verdicts = agree(request());
  EXPECT_EQ(verdicts, (Verdicts{{"a", "skip"}, {"b", "skip"}, {"c", "skip"}, {"side", "skip"}}));
}

TEST_F(PlanMatrixTest, ParamChangeAtTheTopRunsEverythingDownstream) {
  Verdicts verdicts = agree(request({"n=2"}));
  EXPECT_EQ(verdicts["a"], "run: param n changed: 1 -> 2");
  EXPECT_EQ(verdicts["b"], "run: upstream a will run");
  EXPECT_EQ(verdicts["c"], "run: upstream b will run");
  EXPECT_EQ(verdicts["side"], "skip");
}

TEST_F(PlanMatrixTest, ParamChangeInTheMiddleLeavesTheTopAlone) {
  Verdicts verdicts = agree(request({"m=5"}));
  EXPECT_EQ(verdicts["a"], "skip");
  EXPECT_EQ(verdicts["b"], "run: param m changed: 1 -> 5");
  EXPECT_EQ(verdicts["c"], "run: upstream b will run");
}

TEST_F(PlanMatrixTest, AnEditedDepRerunsItsReader) {
  ws.write("in.txt", "other input\n");
  Verdicts verdicts = agree(request());
  EXPECT_EQ(verdicts["a"], "run: deps changed: in.txt (changed)");
  EXPECT_EQ(running(verdicts), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(PlanMatrixTest, ADeletedOutIsRestoredAndItsReaderIsUpToDate) {
  std::filesystem::remove(ws.root() / "b.txt");
  Verdicts verdicts = agree(request());
  EXPECT_TRUE(verdicts["b"].starts_with("restore: outs missing: b.txt; restored from the cache"))
      << verdicts["b"];
  EXPECT_EQ(verdicts["c"], "skip");
}

TEST_F(PlanMatrixTest, AnEditedOutIsRestored) {
  ws.write("b.txt", "edited by hand\n");
  Verdicts verdicts = agree(request());
  EXPECT_TRUE(verdicts["b"].starts_with("restore: outs changed: b.txt")) << verdicts["b"];
  EXPECT_EQ(verdicts["c"], "skip");
  EXPECT_NE(ws.read("b.txt"), "edited by hand\n");
}

// The bug that started it: after `run -p n=2`, going back to n=1 restores a, and b and c are
// decided on the restored a.txt (restored too), not on the n=2 file still in the workspace.
TEST_F(PlanMatrixTest, DownstreamOfARestoredStageIsDecidedOnTheRestoredVersion) {
  agree(request({"n=2"}));
  Verdicts verdicts = agree(request());
  EXPECT_TRUE(verdicts["a"].starts_with("restore: outs changed: a.txt")) << verdicts["a"];
  EXPECT_TRUE(verdicts["b"].starts_with("restore: outs changed: b.txt")) << verdicts["b"];
  EXPECT_TRUE(verdicts["c"].starts_with("restore: outs changed: c.txt")) << verdicts["c"];
  EXPECT_EQ(agree(request()),
            (Verdicts{{"a", "skip"}, {"b", "skip"}, {"c", "skip"}, {"side", "skip"}}));
}

TEST_F(PlanMatrixTest, AnEditedCommandRerunsTheStage) {
  std::string text = k_chain;
  text.replace(text.find("make c"), 6, "make C");
  ws.write("p.yaml", text);
  Verdicts verdicts = agree(request());
  EXPECT_EQ(verdicts["c"], "run: command changed");
  EXPECT_EQ(running(verdicts), std::vector<std::string>{"c"});
}

TEST_F(PlanMatrixTest, SelectionsPlanOnlyWhatTheySelect) {
  RunRequest stage = request({"n=2"});
  stage.stages = {"b"};
  Verdicts verdicts = agree(stage);
  EXPECT_EQ(running(verdicts), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(verdicts.count("c"), 0u);
  RunRequest from = request({"n=2"});
  from.from = {"b"};
  verdicts = agree(from);  // a is not selected: b reads the n=2 a.txt written above
  EXPECT_EQ(verdicts.count("a"), 0u);
  EXPECT_EQ(verdicts["b"], "skip");
  EXPECT_EQ(verdicts["c"], "run: deps changed: b.txt (changed)");  // not run with --stage b
  RunRequest forced = request({"n=2"});
  forced.force_stages = {"side"};
  verdicts = agree(forced);
  EXPECT_EQ(verdicts["side"], "run: forced");
}

TEST_F(PlanMatrixTest, AFailedRunIsRunAgain) {
  RunRequest r = request({"m=7"});
  Verdicts failed = run(r, {"b"});
  EXPECT_EQ(failed["b"], "run: param m changed: 1 -> 7");
  Verdicts verdicts = agree(r);
  EXPECT_EQ(verdicts["b"], "run: param m changed: 1 -> 7");  // still against its last success
  EXPECT_EQ(verdicts["c"], "run: upstream b will run");
}

TEST_F(PlanTest, AnIncrementalStageAgreesAndIsSkippedWhenNothingIsNew) {
  ws.write("data/1.csv", "1\n");
  ws.write("p.yaml", R"(version: 1
name: p
stages:
  f: {run: 'featurize', deps: [data], outs: [f.txt], incremental: true}
  g: {run: 'train', deps: [f.txt], outs: [g.txt]}
)");
  EXPECT_EQ(running(agree(request())), (std::vector<std::string>{"f", "g"}));
  EXPECT_EQ(agree(request()), (Verdicts{{"f", "skip"}, {"g", "skip"}}));
  ws.write("data/2.csv", "2\n");
  Verdicts verdicts = agree(request());
  EXPECT_EQ(verdicts["f"], "run: deps changed: data (changed)");
  EXPECT_EQ(verdicts["g"], "run: upstream f will run");
}

// The one case where a run does less than its plan: an upstream that reruns but writes the same
// bytes leaves its readers up to date (the plan cannot know the bytes beforehand).
TEST_F(PlanTest, AnUpstreamThatWritesTheSameBytesLeavesItsReadersUpToDate) {
  ws.write("p.yaml", R"(version: 1
name: p
stages:
  fetch: {run: 'fetch', outs: [raw.txt], always_run: true}
  train: {run: 'train', deps: [raw.txt], outs: [model.txt]}
)");
  run(request());
  EXPECT_EQ(status(request())["train"], "run: upstream fetch will run");
  Verdicts actual = run(request());
  EXPECT_EQ(actual["fetch"], "run: always_run");
  EXPECT_EQ(actual["train"], "skip");
}

TEST_F(PlanTest, WithoutAStoreEverythingRuns) {
  ws.write("p.yaml", k_chain);
  Verdicts verdicts = status(request());
  EXPECT_EQ(verdicts["a"], "run: never ran");
  EXPECT_EQ(verdicts["c"], "run: upstream b will run");
  EXPECT_FALSE(ws.exists(".mlops/store.db"));
}

}  // namespace
}  // namespace mlops
