// Notification hooks (docs/pipeline-format.md, "Notifications"): on_failure, on_rejected and
// on_success get the run's summary on stdin and in MLOPS_* variables, are recorded, and never
// change the run's outcome, whether they fail, hang or do not exist.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

// HOOKS is replaced by each test's hooks; the `bad` stage fails when fail.flag exists.
constexpr const char* k_pipeline = R"(version: 1
name: notify
env: {API_TOKEN: tok-9f8e7d6c5b}
HOOKS
stages:
  prepare:
    run: mkdir -p out && echo ready > out/prepared.txt && echo '{"rows":42}' > out/m.json
    outs: [out/prepared.txt]
    metrics: [out/m.json]
  bad:
    run: test ! -e fail.flag && echo done > out/done.txt
    deps: [out/prepared.txt]
    outs: [out/done.txt]
)";

class HooksTest : public WorkspaceTest {
 protected:
  void write_pipeline(const std::string& hooks, bool fail) {
    std::string text = k_pipeline;
    text.replace(text.find("HOOKS"), 5, hooks);
    ws.write("pipeline.yaml", text);
    if (fail) {
      ws.write("fail.flag", "");
    }
  }
  nlohmann::json read_json(const std::string& relative) {
    return nlohmann::json::parse(ws.read(relative), nullptr, false);
  }
};

TEST_F(HooksTest, FailureHookReadsTheSummaryOnStdinAndInItsEnvironment) {
  write_pipeline(R"(on_failure: cat > hook-stdin.json; env | grep ^MLOPS_ | sort > hook-env.txt;
  echo hook-says-hello)",
                 true);
  CommandResult r = mlops({"run", "pipeline.yaml", "--name", "nightly", "--tag", "team=churn",
                           "--tag", "leak=tok-9f8e7d6c5b"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out.find("hook-says-hello"), std::string::npos) << r.out;  // not on mlops' stdout
  EXPECT_EQ(r.err.find("hook-says-hello"), std::string::npos) << r.err;
  std::string run = latest_run();
  nlohmann::json summary = read_json("hook-stdin.json");
  ASSERT_FALSE(summary.is_discarded()) << ws.read("hook-stdin.json");
  EXPECT_EQ(summary["version"], 1);
  EXPECT_EQ(summary["hook"], "on_failure");
  EXPECT_EQ(summary["run_id"], run);
  EXPECT_EQ(summary["name"], "nightly");
  EXPECT_EQ(summary["tags"]["team"], "churn");
  EXPECT_EQ(summary["tags"]["leak"], "***");  // an env: value never appears
  EXPECT_EQ(summary["pipeline"], "notify");
  EXPECT_EQ(summary["status"], "failed");
  EXPECT_EQ(summary["exit_code"], 1);
  EXPECT_EQ(summary["trigger"]["cause"], "manual");
  EXPECT_EQ(summary["failed_stages"], nlohmann::json::array({"bad"}));
  ASSERT_EQ(summary["stages"].size(), 2u);
  EXPECT_EQ(summary["stages"][0]["status"], "succeeded");
  EXPECT_EQ(summary["stages"][1]["status"], "failed");
  EXPECT_EQ(summary["stages"][1]["exit_reason"], "exit code 1");
  EXPECT_EQ(summary["metrics"]["prepare"]["rows"], 42);
  EXPECT_TRUE(summary["started_at"].is_string() && summary["finished_at"].is_string());
  EXPECT_EQ(ws.read("hook-stdin.json").find("tok-9f8e7d6c5b"), std::string::npos);

  std::string env = ws.read("hook-env.txt");
  EXPECT_NE(env.find("MLOPS_RUN_ID=" + run + "\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MLOPS_RUN_STATUS=failed\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MLOPS_RUN_NAME=nightly\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MLOPS_PIPELINE=notify\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MLOPS_EXIT_CODE=1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MLOPS_FAILED_STAGES=bad\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MLOPS_RUN_SUMMARY_FILE=/"), std::string::npos) << env;

  // Recorded, shown, and its output is in its log.
  EXPECT_EQ(store_value("SELECT hook || ' ' || status || ' ' || exit_code FROM hook_executions "
                        "WHERE run_id = '" +
                        run + "'"),
            "on_failure succeeded 0");
  std::string log = store_value("SELECT log_path FROM hook_executions");
  EXPECT_NE(ws.read(log).find("hook-says-hello"), std::string::npos);
  CommandResult shown = mlops({"show", run, "--json"});
  nlohmann::json details = nlohmann::json::parse(shown.out, nullptr, false);
  ASSERT_FALSE(details.is_discarded()) << shown.out;
  ASSERT_EQ(details["hooks"].size(), 1u);
  EXPECT_EQ(details["hooks"][0]["hook"], "on_failure");
  EXPECT_EQ(details["hooks"][0]["status"], "succeeded");
  CommandResult text = mlops({"show", run});
  EXPECT_NE(text.out.find("on_failure"), std::string::npos) << text.out;
}

TEST_F(HooksTest, SuccessHookRunsOnSuccessOnlyAndNoHooksSkipsIt) {
  write_pipeline(
      "on_success: echo $MLOPS_RUN_STATUS > success.txt\n"
      "on_failure: touch failure.txt",
      false);
  CommandResult r = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ws.read("success.txt"), "succeeded\n");
  EXPECT_FALSE(ws.exists("failure.txt"));
  std::filesystem::remove(ws / "success.txt");
  CommandResult skipped = mlops({"run", "pipeline.yaml", "--no-hooks"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_FALSE(ws.exists("success.txt"));
  EXPECT_EQ(store_value("SELECT COUNT(*) FROM hook_executions"), "1");
}

TEST_F(HooksTest, RejectedHookRunsWhenAGateRejectsTheRun) {
  ws.write("pipeline.yaml", R"(version: 1
name: gated
on_rejected: {run: cat > rejected.json, timeout: 30s}
on_failure: touch failure.txt
stages:
  train:
    run: mkdir -p models && echo model > models/model.pkl
    outs: [{path: models/model.pkl, model: churn}]
  evaluate:
    run: mkdir -p eval && echo '{"auc":0.2}' > eval/metrics.json
    deps: [models/model.pkl]
    metrics: [eval/metrics.json]
    gate:
      model: churn
      checks: [{metric: auc, direction: higher, min: 0.5}]
)");
  CommandResult r = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(ws.exists("failure.txt"));
  nlohmann::json summary = read_json("rejected.json");
  ASSERT_FALSE(summary.is_discarded()) << ws.read("rejected.json");
  EXPECT_EQ(summary["status"], "rejected");
  EXPECT_EQ(summary["exit_code"], 3);
  EXPECT_EQ(summary["rejected_stages"], nlohmann::json::array({"evaluate"}));
  EXPECT_EQ(store_value("SELECT hook FROM hook_executions"), "on_rejected");
}

TEST_F(HooksTest, AFailingOrMissingHookLeavesTheExitCodeAndWarns) {
  write_pipeline("on_success: echo oops >&2; exit 1\non_failure: no-such-notifier --now", false);
  CommandResult ok = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("the on_success hook did not succeed (exit code 1"), std::string::npos)
      << ok.err;
  EXPECT_EQ(ok.out.find("oops"), std::string::npos);
  ws.write("fail.flag", "");
  CommandResult failed = mlops({"run", "pipeline.yaml", "--force"});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_NE(failed.err.find("the on_failure hook did not succeed (exit code 127"),
            std::string::npos)
      << failed.err;
  EXPECT_EQ(store_value("SELECT group_concat(hook || ':' || status || ':' || exit_code, ' ') "
                        "FROM hook_executions"),
            "on_success:failed:1 on_failure:failed:127");
}

TEST_F(HooksTest, AHangingHookIsKilledAtItsTimeoutWithWhatItStarted) {
  write_pipeline("on_success: {run: 'sleep 60 & echo $! > bg.pid; sleep 60', timeout: 300ms}",
                 false);
  CommandResult r = mlops({"run", "pipeline.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.seconds, 10.0);
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
  ASSERT_TRUE(ws.exists("bg.pid"));
  pid_t background = read_pid(ws / "bg.pid");
  EXPECT_FALSE(process_exists(background)) << "the hook's background sleep survived";
  EXPECT_EQ(store_value("SELECT status FROM hook_executions"), "timed_out");
}

// The run's name is the user's words, as tags and notes are: an env: value in it is redacted.
TEST_F(HooksTest, RunNameHoldingAnEnvValueIsRedactedInTheSummaryAndEnvironment) {
  write_pipeline("on_success: cat > hook-stdin.json; echo \"name=$MLOPS_RUN_NAME\" > hook-env.txt",
                 false);
  CommandResult r = mlops({"run", "pipeline.yaml", "--name", "run-tok-9f8e7d6c5b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json summary = read_json("hook-stdin.json");
  ASSERT_FALSE(summary.is_discarded()) << ws.read("hook-stdin.json");
  EXPECT_EQ(summary["name"], "run-***");
  EXPECT_EQ(ws.read("hook-env.txt"), "name=run-***\n");
  std::string file = ws.read(".mlops/logs/" + latest_run() + "/hooks/on_success.json");
  EXPECT_EQ(file.find("tok-9f8e7d6c5b"), std::string::npos) << file;
}

}  // namespace
}  // namespace mlops::e2e
