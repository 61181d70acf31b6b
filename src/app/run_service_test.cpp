// run_pipeline() in-process: what a run records, how it fails, what it refuses, with FakeRunner
// or FileWritingRunner instead of processes.
#include "app/run_service.hpp"

#include <gtest/gtest.h>

#include "app/app_test_util.hpp"
#include "exec/fake_runner.hpp"
#include "store/sql_store.hpp"
#include "util/file_lock.hpp"

namespace mlops {
namespace {

using testing::BorrowedRunner;
using testing::FileWritingRunner;
using testing::TempWorkspace;

// Stages without outputs, for FakeRunner (which writes nothing).
const char* k_chain = R"(version: 1
name: p
stages:
  a: {run: 'echo a'}
  b: {run: 'echo b', needs: [a]}
  c: {run: 'echo c', needs: [b]}
)";

const char* k_files = R"(version: 1
name: p
stages:
  a: {run: 'make a', deps: [in.txt], outs: [a.txt]}
  b: {run: 'make b', deps: [a.txt], outs: [b.txt]}
)";

// Keeps what happened, in order: "recorded RUN" (with the run's status in the store at that
// moment), "started STAGE", "finished".
class LoggingObserver final : public RunObserver, public Reporter {
 public:
  explicit LoggingObserver(std::filesystem::path store = {}) : m_store(std::move(store)) {}

  void pipeline_invalid(const LoadedPipeline& loaded) override {
    invalid_diagnostics = loaded.diagnostics.size();
    log.push_back("invalid");
  }
  std::vector<Reporter*> reporters(const Pipeline&, bool) override { return {this}; }
  void recorded(const std::string& run_id) override {
    std::string status = "no store";
    if (!m_store.empty()) {
      auto store = SqlStore::open(m_store.string());
      auto run = (*store)->find_run(run_id);
      status = run.ok() && *run ? (*run)->status : "missing";
    }
    log.push_back("recorded " + status);
  }
  void warning(const std::string& message) override { log.push_back("warning " + message); }
  void finished(const Pipeline&, const RunReport&, MetadataStore*) override {
    log.push_back("finished");
  }

  void on_output(std::string_view, OutputStream, std::string_view) override {}
  void run_started(const Pipeline&, const RunReport&, size_t, size_t) override {}
  void stage_started(const Stage& stage, int, int, const ProcessRequest&,
                     const StageReport&) override {
    log.push_back("started " + stage.name);
  }
  void stage_retrying(const Stage&, const ProcessResult&, int, Milliseconds) override {}
  void stage_finished(const Stage&, const StageReport&) override {}
  void interrupted(int, size_t) override {}
  void run_finished(const Pipeline&, const RunReport&) override {}

  std::vector<std::string> log;
  size_t invalid_diagnostics = 0;

 private:
  std::filesystem::path m_store;
};

class RunServiceTest : public ::testing::Test {
 protected:
  RunRequest request() {
    RunRequest r;
    r.pipeline = ws.root() / "p.yaml";
    r.jobs = 1;
    return r;
  }
  std::filesystem::path store_path() const { return ws.root() / ".mlops" / "store.db"; }
  std::unique_ptr<SqlStore> open_store() {
    auto store = SqlStore::open(store_path().string());
    EXPECT_TRUE(store.ok());
    return std::move(*store);
  }
  // Seams that run every stage on the test's FakeRunner.
  RunSeams fake_seams() {
    RunSeams seams;
    seams.clock = &clock;
    seams.make_runner = [this](const Pipeline&, OutputSink&) {
      return std::make_unique<BorrowedRunner>(fake);
    };
    return seams;
  }
  // Seams that write each stage's outs; `fail` exit 1.
  RunSeams file_seams(std::set<std::string> fail = {}) {
    RunSeams seams;
    seams.make_runner = [this, fail](const Pipeline& pipeline, OutputSink&) {
      auto runner = std::make_unique<FileWritingRunner>(pipeline);
      runner->fail = fail;
      runner_started = &runner->started;
      return runner;
    };
    return seams;
  }

  TempWorkspace ws;
  FakeClock clock;
  FakeRunner fake{clock};
  std::vector<std::string>* runner_started = nullptr;  // set when a runner is made; dangles
};

TEST_F(RunServiceTest, ASuccessfulRunIsRecordedWithItsExecutions) {
  ws.write("p.yaml", k_chain);
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(request(), observer, fake_seams());
  ASSERT_FALSE(outcome.error) << outcome.error->message();
  EXPECT_TRUE(outcome.started);
  EXPECT_EQ(outcome.exit_code(), 0);
  EXPECT_EQ(fake.started, (std::vector<std::string>{"a", "b", "c"}));
  auto store = open_store();
  auto run = store->find_run(outcome.run_id);
  ASSERT_TRUE(run.ok() && *run);
  EXPECT_EQ((*run)->pipeline, "p");
  EXPECT_EQ((*run)->status, "succeeded");
  EXPECT_EQ((*run)->cause, "manual");
  EXPECT_EQ((*run)->pipeline_file, "p.yaml");
  EXPECT_EQ((*run)->owner_pid, ::getpid());
  auto executions = store->executions_of(outcome.run_id);
  ASSERT_TRUE(executions.ok());
  std::vector<std::string> stages;
  for (const auto& execution : *executions) {
    stages.push_back(execution.stage + " " + execution.status);
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"a succeeded", "b succeeded", "c succeeded"}));
}

TEST_F(RunServiceTest, AFailingStageExitsOneAndSkipsItsDownstream) {
  ws.write("p.yaml", k_chain);
  fake.script("b", {{Milliseconds(10), ProcessOutcome::Exited, 3}});
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(request(), observer, fake_seams());
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(outcome.exit_code(), 1);
  EXPECT_EQ(fake.started, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(outcome.report.stages.size(), 3u);
  EXPECT_EQ(outcome.report.stages[0].status, StageStatus::Succeeded);
  EXPECT_EQ(outcome.report.stages[1].status, StageStatus::Failed);
  EXPECT_EQ(outcome.report.stages[2].status, StageStatus::Skipped);
  auto run = open_store()->find_run(outcome.run_id);
  ASSERT_TRUE(run.ok() && *run);
  EXPECT_EQ((*run)->status, "failed");
}

TEST_F(RunServiceTest, AnInvalidPipelineIsReportedAndNothingIsRecorded) {
  ws.write("p.yaml", "version: 1\nname: p\nstages:\n  a: {run: 'x', needs: [nowhere]}\n");
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(request(), observer, fake_seams());
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->kind(), ErrorKind::InvalidSpec);
  EXPECT_EQ(outcome.exit_code(), 2);
  EXPECT_FALSE(outcome.started);
  EXPECT_EQ(observer.log, std::vector<std::string>{"invalid"});
  EXPECT_GE(observer.invalid_diagnostics, 1u);
  EXPECT_TRUE(fake.started.empty());
  EXPECT_FALSE(ws.exists(".mlops/store.db"));
}

TEST_F(RunServiceTest, AnUnknownStageIsAUsageError) {
  ws.write("p.yaml", k_chain);
  RunRequest r = request();
  r.stages = {"nope"};
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(r, observer, fake_seams());
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->kind(), ErrorKind::Usage);
  EXPECT_NE(outcome.error->message().find("nope"), std::string::npos) << outcome.error->message();
  EXPECT_TRUE(fake.started.empty());
  EXPECT_FALSE(ws.exists(".mlops/store.db"));
}

TEST_F(RunServiceTest, ASecondRunWhileTheLockIsHeldIsAConflictNamingThePipeline) {
  ws.write("p.yaml", k_chain);
  auto workspace = Workspace::open(ws.root(), std::nullopt, StoreMode::None);
  ASSERT_TRUE(workspace.ok());
  auto held = FileLock::try_acquire(workspace->pipeline_lock_path("p"));
  ASSERT_TRUE(held.ok() && held->has_value());
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(request(), observer, fake_seams());
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error->kind(), ErrorKind::Conflict);
  EXPECT_NE(outcome.error->message().find("pipeline 'p' is already running"), std::string::npos)
      << outcome.error->message();
  EXPECT_FALSE(outcome.started);
  EXPECT_TRUE(fake.started.empty());
  auto runs = open_store()->list_runs({"p", std::nullopt, 10});
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
  held->reset();
  EXPECT_FALSE(run_pipeline(request(), observer, fake_seams()).error);  // free again
}

TEST_F(RunServiceTest, WithoutRecordingNoStoreIsCreated) {
  ws.write("in.txt", "input\n");
  ws.write("p.yaml", k_files);
  RunRequest r = request();
  r.record = false;
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(r, observer, file_seams());
  ASSERT_FALSE(outcome.error) << outcome.error->message();
  EXPECT_TRUE(outcome.started);
  EXPECT_EQ(outcome.exit_code(), 0);
  EXPECT_EQ(ws.read("b.txt"), "make b\nmake a\ninput\n");
  EXPECT_FALSE(ws.exists(".mlops/store.db"));
  EXPECT_EQ(observer.log.front(), "recorded no store");
}

TEST_F(RunServiceTest, ADryRunRunsAndRecordsNothing) {
  ws.write("in.txt", "input\n");
  ws.write("p.yaml", k_files);
  LoggingObserver first;
  ASSERT_EQ(run_pipeline(request(), first, file_seams()).exit_code(), 0);
  ws.write("in.txt", "changed\n");
  RunRequest r = request();
  r.dry_run = true;
  LoggingObserver observer;
  runner_started = nullptr;
  RunOutcome outcome = run_pipeline(r, observer, file_seams());
  ASSERT_FALSE(outcome.error) << outcome.error->message();
  EXPECT_FALSE(outcome.started);
  EXPECT_EQ(runner_started, nullptr);  // no runner was even made
  EXPECT_EQ(observer.log, (std::vector<std::string>{"started a", "started b"}));  // the plan
  EXPECT_EQ(ws.read("a.txt"), "make a\ninput\n");
  auto runs = open_store()->list_runs({"p", std::nullopt, 10});
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 1u);  // only the first, real run
}

TEST_F(RunServiceTest, ADryRunOfANewWorkspaceCreatesNoStore) {
  ws.write("in.txt", "input\n");
  ws.write("p.yaml", k_files);
  RunRequest r = request();
  r.dry_run = true;
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(r, observer, file_seams());
  ASSERT_FALSE(outcome.error) << outcome.error->message();
  EXPECT_EQ(runner_started, nullptr);
  EXPECT_FALSE(ws.exists("a.txt"));
  EXPECT_FALSE(ws.exists(".mlops/store.db"));
}

TEST_F(RunServiceTest, TriggerAdvancesAreWrittenWithTheRun) {
  ws.write("p.yaml", k_chain);
  RunRequest r = request();
  r.cause = "schedule";
  r.cause_detail = R"({"reasons": ["due"]})";
  r.advances = {{"p", "schedule:x", std::nullopt, R"({"last": "2026-01-01T00:00Z"})"}};
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(r, observer, fake_seams());
  ASSERT_FALSE(outcome.error);
  auto store = open_store();
  auto states = store->trigger_states("p");
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ(states->front().trigger_key, "schedule:x");
  EXPECT_EQ(states->front().state_json, R"({"last": "2026-01-01T00:00Z"})");
  EXPECT_EQ(states->front().run_id, outcome.run_id);
  auto run = store->find_run(outcome.run_id);
  EXPECT_EQ((*run)->cause, "schedule");
  EXPECT_EQ((*run)->cause_detail, R"({"reasons": ["due"]})");
}

TEST_F(RunServiceTest, AnAdvanceThatNoLongerAppliesRunsNothing) {
  ws.write("p.yaml", k_chain);
  RunRequest r = request();
  r.advances = {{"p", "schedule:x", std::string("{}"), "{\"last\": 1}"}};  // no state yet
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(r, observer, fake_seams());
  EXPECT_FALSE(outcome.error);
  EXPECT_TRUE(outcome.conflict);
  EXPECT_FALSE(outcome.started);
  EXPECT_TRUE(fake.started.empty());
  auto store = open_store();
  EXPECT_TRUE(store->list_runs({"p", std::nullopt, 10})->empty());
  EXPECT_TRUE(store->trigger_states("p")->empty());
}

TEST_F(RunServiceTest, ExtraEnvironmentReachesEveryStage) {
  ws.write("p.yaml", k_chain);
  RunRequest r = request();
  r.extra_env = {{"MLOPS_TRIGGER", "data"}, {"EXTRA", "1"}};
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(r, observer, fake_seams());
  ASSERT_FALSE(outcome.error);
  ASSERT_EQ(fake.requests.size(), 3u);
  for (const auto& process : fake.requests) {
    std::map<std::string, std::string> env(process.env.begin(), process.env.end());
    EXPECT_EQ(env["MLOPS_TRIGGER"], "data") << process.label;
    EXPECT_EQ(env["EXTRA"], "1") << process.label;
    EXPECT_EQ(env.count("PATH"), 1u) << process.label;  // on top of the inherited environment
  }
}

TEST_F(RunServiceTest, AJunitReportIsWritten) {
  ws.write("p.yaml", k_chain);
  fake.script("c", {{Milliseconds(10), ProcessOutcome::Exited, 2}});
  RunRequest r = request();
  r.junit = ws.root() / "reports" / "nested" / "junit.xml";
  LoggingObserver observer;
  RunOutcome outcome = run_pipeline(r, observer, fake_seams());
  ASSERT_FALSE(outcome.error);
  ASSERT_TRUE(ws.exists("reports/nested/junit.xml"));
  std::string xml = ws.read("reports/nested/junit.xml");
  EXPECT_NE(xml.find("<testsuite"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"a\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure"), std::string::npos) << xml;
  EXPECT_NE(xml.find(outcome.run_id), std::string::npos) << xml;
}

TEST_F(RunServiceTest, RecordedIsHeardBeforeTheFirstStageStarts) {
  ws.write("p.yaml", k_chain);
  LoggingObserver observer(store_path());
  RunOutcome outcome = run_pipeline(request(), observer, fake_seams());
  ASSERT_FALSE(outcome.error);
  EXPECT_EQ(observer.log, (std::vector<std::string>{"recorded running", "started a", "started b",
                                                    "started c", "finished"}));
}

}  // namespace
}  // namespace mlops
