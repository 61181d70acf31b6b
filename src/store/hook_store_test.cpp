// Notification hooks' executions (schema version 11), on both engines.
#include <gtest/gtest.h>

#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"

namespace mlops {
namespace {

class HookStoreTest : public testing::OpenStoreEngineTest {
 protected:
  void begin(const std::string& id) { ASSERT_TRUE(store->begin_run(testing::sample_run(id)).ok()); }
};

TEST_P(HookStoreTest, HookExecutionsAreReadBackInOrderPerRun) {
  begin("r1");
  begin("r2");
  HookExecutionRecord failed{0,    "r1",         "on_failure",   "failed",
                             1,    std::nullopt, "exit code 1",  "t1",
                             "t2", 15,           "logs/hook.log"};
  HookExecutionRecord timed{
      0,    "r1", "on_failure", "timed_out", std::nullopt, 15, "timed out after 1s",
      "t3", "t4", 1000,         std::nullopt};
  ASSERT_TRUE(store->record_hook_execution(failed).ok());
  ASSERT_TRUE(store->record_hook_execution(timed).ok());
  auto hooks = store->hook_executions_of("r1");
  ASSERT_TRUE(hooks.ok()) << hooks.error().message();
  ASSERT_EQ(hooks->size(), 2u);
  EXPECT_EQ((*hooks)[0].hook, "on_failure");
  EXPECT_EQ((*hooks)[0].status, "failed");
  EXPECT_EQ((*hooks)[0].exit_code, 1);
  EXPECT_FALSE((*hooks)[0].signal);
  EXPECT_EQ((*hooks)[0].log_path, "logs/hook.log");
  EXPECT_EQ((*hooks)[1].status, "timed_out");
  EXPECT_EQ((*hooks)[1].signal, 15);
  EXPECT_EQ((*hooks)[1].duration_ms, 1000);
  EXPECT_FALSE((*hooks)[1].log_path);
  EXPECT_TRUE(store->hook_executions_of("r2")->empty());
}

TEST_P(HookStoreTest, AHookOfAnUnknownRunIsRefused) {
  HookExecutionRecord orphan;
  orphan.run_id = "nope";
  orphan.hook = "on_success";
  orphan.status = "succeeded";
  orphan.started_at = orphan.ended_at = "t";
  EXPECT_FALSE(store->record_hook_execution(orphan).ok());
}

MLOPS_STORE_ENGINES(HookStoreTest);

}  // namespace
}  // namespace mlops
