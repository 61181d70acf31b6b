#include "engine/progress_line.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

RunReport report_of(std::vector<StageStatus> statuses) {
  RunReport report;
  for (auto status : statuses) {
    StageReport stage;
    stage.status = status;
    report.stages.push_back(stage);
  }
  return report;
}

TEST(ProgressLineTest, CountsBarAndRunningStagesLongestFirst) {
  SteadyTime start{};
  ProgressLine line;
  line.started("train", start);
  line.started("split", start + std::chrono::seconds(10));
  RunReport report = report_of(
      {StageStatus::Succeeded, StageStatus::Succeeded, StageStatus::Running, StageStatus::Running,
       StageStatus::Pending, StageStatus::Failed, StageStatus::Skipped, StageStatus::NotSelected});
  report.stages[1].cached = true;
  EXPECT_EQ(line.render(report, start + std::chrono::seconds(12), 200),
            "[mlops] 4/7 [=========>      ] 2 running: train 12s, split 2s | 1 done, 1 cached, 1 "
            "failed, 1 skipped, 1 queued");
  line.finished("train");
  line.finished("split");
  EXPECT_EQ(line.render(report_of({StageStatus::Succeeded}), start, 200),
            "[mlops] 1/1 [================] 0 running | 1 done, 0 queued");
}

TEST(ProgressLineTest, ShortensTheRunningListNotTheCounts) {
  SteadyTime start{};
  ProgressLine line;
  for (const char* name : {"featurize[shard=1]", "featurize[shard=2]", "featurize[shard=3]"}) {
    line.started(name, start);
  }
  std::string text = line.render(report_of({StageStatus::Running, StageStatus::Running,
                                            StageStatus::Running, StageStatus::Pending}),
                                 start, 80);
  EXPECT_LE(text.size(), 79u);
  EXPECT_NE(text.find("..."), std::string::npos) << text;
  EXPECT_NE(text.find("| 0 done, 1 queued"), std::string::npos) << text;
}

}  // namespace
}  // namespace mlops
