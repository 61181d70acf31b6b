// The recovery journal: what it keeps reads back the same, and replaying it writes the run's
// record into the store once.
#include "engine/record_journal.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "store/sql_store.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

ExecutionWrite finished_execution(const std::string& stage) {
  ExecutionRecord start;
  start.run_id = "r1";
  start.stage = stage;
  start.command = "make " + stage;
  start.started_at = "2026-11-25T00:00:00.000Z";
  start.fingerprint = "f-" + stage;
  start.pid = 4242;
  ExecutionOutcome end{
      start, {{"in.txt", "file", "aa", 3}}, {{stage + ".txt", "file", "bb", 5}}, {{"acc", 0.5}}};
  end.execution.status = "succeeded";
  end.execution.exit_code = 0;
  end.execution.ended_at = "2026-11-25T00:00:01.000Z";
  return {start, end};
}

TEST(RecordJournalTest, WhatIsKeptReadsBackTheSame) {
  testing::TempDir dir("mlops-journal");
  RunJournal journal{"r1", {finished_execution("a")}, "succeeded", "2026-11-25T00:00:02.000Z"};
  ASSERT_TRUE(write_run_journal(dir.path() / "journal/r1.json", journal).ok());
  auto read = read_run_journal(dir.path() / "journal/r1.json");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->run_id, "r1");
  EXPECT_EQ(read->status, "succeeded");
  ASSERT_EQ(read->writes.size(), 1u);
  const ExecutionWrite& write = read->writes[0];
  ASSERT_TRUE(write.start && write.end);
  EXPECT_EQ(write.start->fingerprint, std::optional<std::string>("f-a"));
  EXPECT_EQ(write.start->pid, std::optional<int64_t>(4242));
  EXPECT_EQ(write.end->outputs[0].path, "a.txt");
  EXPECT_EQ(write.end->metrics[0].value, 0.5);
}

TEST(RecordJournalTest, ReplayWritesTheRecordOnceAndRemovesTheJournal) {
  testing::TempDir dir("mlops-journal");
  auto store = SqlStore::open(":memory:");
  ASSERT_TRUE(store.ok());
  RunRecord run;
  run.id = "r1";
  run.pipeline = "p";
  run.started_at = "2026-11-25T00:00:00.000Z";
  ASSERT_TRUE((*store)->begin_run(run).ok());
  RunJournal journal{"r1",
                     {finished_execution("a"), finished_execution("b")},
                     "succeeded",
                     "2026-11-25T00:00:02.000Z"};
  ASSERT_TRUE(write_run_journal(dir.path() / "r1.json", journal).ok());
  std::ofstream(dir.path() / "garbage.json") << "{not a journal";
  EXPECT_EQ(replay_run_journals(dir.path(), **store), std::vector<std::string>{"r1"});
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "r1.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "garbage.json"));  // left for a person
  EXPECT_EQ((*(*store)->find_run("r1"))->status, "succeeded");
  EXPECT_EQ((*store)->executions_of("r1")->size(), 2u);
  EXPECT_TRUE(replay_run_journals(dir.path(), **store).empty());
  EXPECT_EQ((*store)->executions_of("r1")->size(), 2u);
}

}  // namespace
}  // namespace mlops
