// The lock file (app/lock_file.hpp): written from the store after a run, deterministic, read back
// and checked as untrusted input, and compared with the workspace by plan_from_lock.
#include "app/lock_file.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/app_test_util.hpp"
#include "app/run_service.hpp"

namespace mlops {
namespace {

using testing::FileWritingRunner;
using testing::TempWorkspace;

constexpr const char* k_pipeline = R"(version: 1
name: p
stages:
  a: {run: make-a, deps: [in.txt], outs: [a.txt]}
  b: {run: make-b, deps: [a.txt], outs: [b.txt]}
  c: {run: make-c, outs: [c.txt]}
)";

class LockFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ws.write("p.yaml", k_pipeline);
    ws.write("in.txt", "input\n");
  }
  void run() {
    RunRequest request;
    request.pipeline = ws.root() / "p.yaml";
    request.jobs = 1;
    request.write_lock = true;
    RunSeams seams;
    seams.make_runner = [](const Pipeline& pipeline, OutputSink&) {
      return std::make_unique<FileWritingRunner>(pipeline);
    };
    RunObserver observer;
    RunOutcome outcome = run_pipeline(std::move(request), observer, seams);
    ASSERT_FALSE(outcome.error) << outcome.error->message();
    ASSERT_EQ(outcome.exit_code(), 0);
  }
  CheckedPipeline load() {
    LoadedPipeline loaded = load_checked_pipeline(ws.root() / "p.yaml", {});
    EXPECT_TRUE(loaded.checked);
    return std::move(*loaded.checked);
  }
  std::string actions(const Plan& plan) {
    std::string text;
    for (const auto& row : plan.stages) {
      text += row.stage + "=" + planned_action_name(row.action) + " ";
    }
    return text;
  }
  TempWorkspace ws;
};

TEST_F(LockFileTest, RunLockWritesEveryStageSortedAndTheSameBytesTwice) {
  run();
  std::string first = ws.read("p.lock");
  ASSERT_FALSE(first.empty());
  auto space = Workspace::open(ws.root(), std::nullopt, StoreMode::IfExists);
  ASSERT_TRUE(space.ok());
  CheckedPipeline checked = load();
  auto lock = write_lock(*space, checked);
  ASSERT_TRUE(lock.ok()) << lock.error().message();
  EXPECT_EQ(ws.read("p.lock"), first);
  ASSERT_EQ(lock->stages.size(), 3u);
  EXPECT_EQ(lock->stages[1].name, "b");
  EXPECT_TRUE(lock->stages[1].current);
  ASSERT_EQ(lock->stages[1].outs.size(), 1u);
  EXPECT_EQ(lock->stages[1].outs[0].path, "b.txt");
  EXPECT_EQ(lock->stages[1].outs[0].digest.size(), 32u);
  auto read = read_lock(checked.pipeline);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(lock_text(*read), lock_text(*lock));
}

TEST_F(LockFileTest, PlanFromLockMarksAChangedStageAndItsDownstreamStale) {
  run();
  CheckedPipeline checked = load();
  auto lock = read_lock(checked.pipeline);
  ASSERT_TRUE(lock.ok()) << lock.error().message();
  EXPECT_EQ(actions(plan_from_lock(checked, *lock)), "a=skip b=skip c=skip ");
  ws.write("in.txt", "changed\n");
  EXPECT_EQ(actions(plan_from_lock(checked, *lock)), "a=run b=run c=skip ");
  ws.write("in.txt", "input\n");
  ws.write("c.txt", "edited by hand\n");
  Plan edited = plan_from_lock(checked, *lock);
  EXPECT_EQ(actions(edited), "a=skip b=skip c=run ");
  EXPECT_EQ(edited.stages[2].reason, "c.txt differs from p.lock");
}

TEST_F(LockFileTest, ATamperedLockIsRefusedWithTheFileNamed) {
  run();
  CheckedPipeline checked = load();
  std::string good = ws.read("p.lock");
  auto tampered = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    ws.write("p.lock", text);
    auto read = read_lock(checked.pipeline);
    EXPECT_FALSE(read.ok()) << to;
    return read.ok() ? std::string() : read.error().message();
  };
  EXPECT_NE(tampered("\"a.txt\"", "\"../a.txt\"").find("not one of its outs"), std::string::npos);
  EXPECT_NE(tampered("\"a.txt\"", "\"/etc/passwd\"").find("p.lock"), std::string::npos);
  EXPECT_NE(tampered("\"a.txt\"", "\"c.txt\"").find("not one of its outs"), std::string::npos);
  EXPECT_NE(tampered("\"kind\": \"file\"", "\"kind\": \"evil\"").find("unknown kind"),
            std::string::npos);
  EXPECT_NE(tampered("\"lock_version\": 1", "\"lock_version\": 2").find("lock_version"),
            std::string::npos);
  EXPECT_NE(tampered("\"c\":", "\"zz\":").find("not in the pipeline"), std::string::npos);
  EXPECT_NE(tampered("\"digest\": \"", "\"digest\": \"zz").find("malformed digest"),
            std::string::npos);
  // A value of the wrong type is a message, not an exception out of the JSON library.
  EXPECT_NE(tampered("\"current\": true", "\"current\": \"yes\"").find("true or false"),
            std::string::npos);
  ws.write("p.lock", "[1, 2");
  EXPECT_FALSE(read_lock(checked.pipeline).ok());
}

TEST(LockPathTest, BesideThePipelineAndNeverThePipelineFileItself) {
  EXPECT_EQ(lock_path_for("pipelines/train.yaml"), "pipelines/train.lock");
  EXPECT_EQ(lock_path_for("pipeline"), "pipeline.lock");
  EXPECT_EQ(lock_path_for("p.lock"), "p.lock.lock");  // not the pipeline file
}

}  // namespace
}  // namespace mlops
