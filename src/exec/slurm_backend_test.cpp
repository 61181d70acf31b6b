// The Slurm backend's command lines and parsers (canned sbatch, squeue and sacct output as Slurm
// 22.05 prints it), and the job script run by /bin/sh as a compute node would.
#include <gtest/gtest.h>

#include <fstream>

#include "exec/command.hpp"
#include "exec/job_script.hpp"
#include "exec/slurm_backend.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

TEST(SlurmBackendTest, EveryStateWordMapsToOneJobState) {
  EXPECT_EQ(slurm_job_state("PENDING"), JobState::Pending);
  EXPECT_EQ(slurm_job_state("RUNNING"), JobState::Running);
  EXPECT_EQ(slurm_job_state("COMPLETING"), JobState::Running);
  EXPECT_EQ(slurm_job_state("COMPLETED"), JobState::Completed);
  EXPECT_EQ(slurm_job_state("FAILED"), JobState::Failed);
  EXPECT_EQ(slurm_job_state("TIMEOUT"), JobState::TimedOut);
  EXPECT_EQ(slurm_job_state("CANCELLED"), JobState::Cancelled);
  EXPECT_EQ(slurm_job_state("CANCELLED by 0"), JobState::Cancelled);
  EXPECT_EQ(slurm_job_state("OUT_OF_MEMORY"), JobState::OutOfMemory);
  EXPECT_EQ(slurm_job_state("NODE_FAIL"), JobState::NodeFailed);
  EXPECT_EQ(slurm_job_state("BOOT_FAIL"), JobState::NodeFailed);
  EXPECT_EQ(slurm_job_state("PREEMPTED"), JobState::NodeFailed);
  EXPECT_EQ(slurm_job_state("DEADLINE"), JobState::OtherFailure);
}

TEST(SlurmBackendTest, ParsesSbatchParsableOutput) {
  EXPECT_EQ(*parse_sbatch_output("20\n"), "20");
  EXPECT_EQ(*parse_sbatch_output("31;cluster2\n"), "31");
  EXPECT_FALSE(parse_sbatch_output("Submitted batch job 4\n").ok());
  EXPECT_FALSE(parse_sbatch_output("").ok());
}

TEST(SlurmBackendTest, ParsesSqueueOutputOfSeveralJobs) {
  auto states = parse_squeue_output("7|RUNNING\n8|PENDING\n9|OUT_OF_MEMORY\n12_3|FAILED\n");
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states["7"].state, JobState::Running);
  EXPECT_EQ(states["8"].state, JobState::Pending);
  EXPECT_EQ(states["9"].state, JobState::OutOfMemory);
  EXPECT_EQ(states["9"].raw, "OUT_OF_MEMORY");
  EXPECT_TRUE(parse_squeue_output("").empty());
}

TEST(SlurmBackendTest, ParsesTheJobsOwnLineOfSacct) {
  auto status = parse_sacct_output("1|FAILED|3:0\n1.batch|FAILED|3:0\n", "1");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Failed);
  EXPECT_EQ(status->exit_code, 3);
  EXPECT_EQ(status->exit_signal, 0);
  auto killed = parse_sacct_output("5|CANCELLED by 0|0:15\n", "5");
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->state, JobState::Cancelled);
  EXPECT_EQ(killed->exit_signal, 15);
  EXPECT_FALSE(parse_sacct_output("51|COMPLETED|0:0\n", "5"));
}

TEST(SlurmBackendTest, SbatchArgumentsCarryTheResources) {
  JobSubmission job;
  job.name = "mlops-r1";
  job.script = "/w/.mlops/slurm/r1/train.sh";
  job.log_path = "/w/.mlops/logs/r1/train.log";
  job.workdir = "/w";
  job.resources.cpus = 4;
  job.resources.mem_mib = 4096;
  job.resources.gpus = 2;
  job.resources.partition = "gpu";
  job.resources.extra = {"--qos=high"};
  job.time = Milliseconds(90 * 1000);
  EXPECT_EQ(
      sbatch_arguments(job),
      (std::vector<std::string>{
          "sbatch", "--parsable", "--job-name=mlops-r1", "--output=/w/.mlops/logs/r1/train.log",
          "--error=/w/.mlops/logs/r1/train.log", "--chdir=/w", "--export=NONE", "--no-requeue",
          "--cpus-per-task=4", "--mem=4096M", "--gres=gpu:2", "--time=2", "--signal=B:TERM@60",
          "--partition=gpu", "--qos=high", "/w/.mlops/slurm/r1/train.sh"}));
}

// The script as a compute node runs it: the stage's argv, in its directory, with exactly its
// environment, and the exit status in the exit-code file.
TEST(JobScriptTest, RunsTheCommandWithItsEnvironmentAndWritesTheExitCode) {
  testing::TempDir dir;
  ProcessRequest request;
  request.label = "s";
  request.argv = {"/bin/sh", "-c",
                  "printf '%s|%s|%s|' \"$A\" \"$QUOTE\" \"$(pwd)\" > out.txt; env | grep -c . "
                  ">> out.txt; exit 7"};
  request.env = {{"PATH", "/usr/bin:/bin"}, {"A", "x y"}, {"QUOTE", "it's $(not run)\n`x`"}};
  request.workdir = dir.path();
  auto script = job_script(request, dir.path() / "s.exit");
  ASSERT_TRUE(script.ok()) << script.error().message();
  std::ofstream(dir.path() / "s.sh") << *script;
  auto ran = run_command({"/bin/sh", (dir.path() / "s.sh").string()}, {{"PATH", "/usr/bin:/bin"}},
                         Milliseconds(10000));
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(ran->exit_code, 7) << ran->err;
  EXPECT_EQ(read_exit_file(dir.path() / "s.exit"), 7);
  std::ifstream in(dir.path() / "out.txt");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  // Nothing of the caller's environment: PATH, A, QUOTE (two lines) and the PWD sh sets.
  EXPECT_EQ(text, "x y|it's $(not run)\n`x`|" + dir.path().string() + "|5\n");
}

TEST(JobScriptTest, RefusesAProgramNameThatEnvWouldTakeForAVariable) {
  ProcessRequest request;
  request.argv = {"A=b", "x"};
  EXPECT_FALSE(job_script(request, "/tmp/x.exit").ok());
}

TEST(JobScriptTest, OnlyAWholeNumberInARegularFileIsAnExitCode) {
  testing::TempDir dir;
  auto file = dir.path() / "e";
  EXPECT_FALSE(read_exit_file(file));
  std::ofstream(file) << "0\n";
  EXPECT_EQ(read_exit_file(file), 0);
  std::ofstream(file) << "256\n";
  EXPECT_FALSE(read_exit_file(file));
  std::ofstream(file) << "-1\n";
  EXPECT_FALSE(read_exit_file(file));
  std::filesystem::remove(file);
  std::filesystem::create_directory(file);
  EXPECT_FALSE(read_exit_file(file));
}

}  // namespace
}  // namespace mlops
