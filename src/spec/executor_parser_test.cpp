// `executor:` and `resources:`: amounts, refused scheduler options, defaults and overrides.
#include <gtest/gtest.h>

#include "spec/executor_parser.hpp"

namespace mlops {
namespace {

TEST(ExecutorParserTest, MemoryAmountsInMebibytes) {
  EXPECT_EQ(parse_memory_mib("512M"), 512);
  EXPECT_EQ(parse_memory_mib("4G"), 4096);
  EXPECT_EQ(parse_memory_mib("4g"), 4096);
  EXPECT_EQ(parse_memory_mib("4GB"), 4096);
  EXPECT_EQ(parse_memory_mib("1T"), 1024 * 1024);
  EXPECT_EQ(parse_memory_mib("1500K"), 2);
  EXPECT_FALSE(parse_memory_mib("4"));
  EXPECT_FALSE(parse_memory_mib("0G"));
  EXPECT_FALSE(parse_memory_mib("-1G"));
  EXPECT_FALSE(parse_memory_mib("1.5G"));
  EXPECT_FALSE(parse_memory_mib("G"));
  EXPECT_FALSE(parse_memory_mib("99999999999999T"));
}

TEST(ExecutorParserTest, RefusesOptionsThatBreakTracking) {
  EXPECT_EQ(refused_scheduler_option("--qos=high"), "");
  EXPECT_EQ(refused_scheduler_option("--exclusive"), "");
  EXPECT_EQ(refused_scheduler_option("--partition=gpu"), "");
  for (const char* option : {"--output=x", "--error=x", "--wrap=true", "--parsable", "--job-name=x",
                             "--out=x", "--job=x", "--array=1-3", "--chdir=/"}) {
    EXPECT_NE(refused_scheduler_option(option), "") << option;
  }
  EXPECT_NE(refused_scheduler_option("-o x"), "");
  EXPECT_NE(refused_scheduler_option("--comment=a\nb"), "");
  EXPECT_NE(refused_scheduler_option("x.sh"), "");
}

TEST(ExecutorParserTest, AStagesKeysReplaceThePipelinesOneByOne) {
  JobResources defaults;
  defaults.cpus = 2;
  defaults.mem_mib = 1024;
  defaults.partition = "batch";
  JobResources stage;
  stage.mem_mib = 8192;
  stage.gpus = 1;
  JobResources merged = merge_resources(defaults, stage);
  EXPECT_EQ(merged.cpus, 2);
  EXPECT_EQ(merged.mem_mib, 8192);
  EXPECT_EQ(merged.gpus, 1);
  EXPECT_EQ(merged.partition, "batch");
}

}  // namespace
}  // namespace mlops
