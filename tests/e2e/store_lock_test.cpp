// Another process holding the metadata store's write lock while a run goes on: scheduling,
// timeouts and read-only commands go on, and nothing is lost (issue 11, section 4).
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

// A second process's connection holding BEGIN EXCLUSIVE until release() (or destruction).
class StoreLockHolder {
 public:
  explicit StoreLockHolder(const std::filesystem::path& store) {
    EXPECT_EQ(sqlite3_open(store.c_str(), &m_db), SQLITE_OK);
    sqlite3_busy_timeout(m_db, 10000);
    EXPECT_EQ(sqlite3_exec(m_db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(m_db);
  }
  ~StoreLockHolder() { release(); }
  void release() {
    if (m_db) {
      sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
      sqlite3_close(m_db);
      m_db = nullptr;
    }
  }

 private:
  sqlite3* m_db = nullptr;
};

// Polls until `pid` is gone; false after `limit_ms`.
bool wait_until_gone(pid_t pid, int limit_ms) {
  for (int waited = 0; waited < limit_ms; waited += 10) {
    if (!process_exists(pid)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

const char* k_pipeline = R"(version: 1
name: p
stages:
  hold:
    run: "touch ready; while [ ! -e go ]; do sleep 0.05; done; echo h > h.txt"
    outs: [h.txt]
  slow:
    run: "echo $$ > slow.pid; exec sleep 30"
    needs: [hold]
    timeout: 1s
  other:
    run: "cat h.txt > o.txt"
    deps: [h.txt]
    outs: [o.txt]
)";

// The store locked from the moment the first stage ends: the 1 s timeout of the next stage is
// still enforced (before, the scheduler waited for the lock), read-only commands work, the run
// ends once the lock goes, and every execution is recorded.
TEST(StoreLockTest, ALockedStoreStallsNeitherSchedulingNorTimeoutsAndLosesNothing) {
  Workspace ws;
  ws.write("p.yaml", k_pipeline);
  MlopsProcess run({"run", "p.yaml", "-k", "-j", "2"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_file(ws / "ready"));
  std::filesystem::path store = ws / ".mlops/store.db";
  {
    StoreLockHolder lock(store);
    ws.write("go", "");
    ASSERT_TRUE(wait_for_file(ws / "slow.pid"));
    EXPECT_TRUE(wait_until_gone(read_pid(ws / "slow.pid"), 15000))
        << "the timeout was not enforced while the store was locked";
    auto runs = run_mlops({"runs", "--json"}, {ws.path(), {}, std::nullopt});
    EXPECT_EQ(runs.exit_code, 0) << runs.err;
    EXPECT_NE(runs.out.find("\"running\""), std::string::npos) << runs.out;
  }
  CommandResult result = run.wait();
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("timed out after 1.0s"), std::string::npos) << result.out;
  EXPECT_EQ(query_value(store, "SELECT status FROM runs"), "failed");
  EXPECT_EQ(query_value(store,
                        "SELECT group_concat(stage || '=' || status, ' ') FROM "
                        "(SELECT stage, status FROM executions ORDER BY stage)"),
            "hold=succeeded other=succeeded slow=failed");
}

// Locked past the end of the run (the bound cut short for the test): the record goes to a
// journal, the run says so, and the next command adds it to the store.
TEST(StoreLockTest, ARecordTheStoreRefusedIsJournaledAndReplayedByTheNextCommand) {
  Workspace ws;
  ws.write("p.yaml", k_pipeline);
  std::vector<std::string> env = {"MLOPS_ENABLE_TEST_HOOKS=1", "MLOPS_TEST_STORE_END_WAIT_MS=300"};
  MlopsProcess run({"run", "p.yaml", "--stage", "other"}, {ws.path(), env, std::nullopt});
  ASSERT_TRUE(wait_for_file(ws / "ready"));
  std::filesystem::path store = ws / ".mlops/store.db";
  StoreLockHolder lock(store);
  ws.write("go", "");
  CommandResult result = run.wait();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("the next mlops command adds it to the store"), std::string::npos)
      << result.err;
  EXPECT_TRUE(std::filesystem::exists(ws / ".mlops/journal"));
  lock.release();
  auto runs = run_mlops({"runs"}, {ws.path(), {}, std::nullopt});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_EQ(query_value(store, "SELECT status FROM runs"), "succeeded");
  EXPECT_EQ(query_value(store, "SELECT count(*) FROM executions WHERE status = 'succeeded'"), "2");
  EXPECT_TRUE(std::filesystem::is_empty(ws / ".mlops/journal"));
}

}  // namespace
}  // namespace mlops::e2e
