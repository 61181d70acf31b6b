// A workspace in a temporary directory with a real on-disk store, for the app/ tests, and
// helpers to record runs in it the way the run recorder does.
#pragma once

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/workspace.hpp"
#include "hash/digest.hpp"
#include "util/temp_dir_test_util.hpp"
#include "util/time_format.hpp"

namespace mlops::testing {

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.emplace("mlops-app-test");
    root = dir->path();
    auto opened = Workspace::open(root, root / ".mlops" / "store.db", StoreMode::Create);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    space.emplace(std::move(*opened));
  }
  void TearDown() override {
    space.reset();
    dir.reset();
  }

  MetadataStore& store() { return *space->store(); }

  void write(const std::string& relative, const std::string& text) {
    std::filesystem::create_directories((root / relative).parent_path());
    std::ofstream(root / relative, std::ios::binary | std::ios::trunc) << text;
  }
  std::string read(const std::string& relative) {
    std::ifstream in(root / relative, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // The version `relative` holds now, saved in the cache.
  ArtifactVersion cache(const std::string& relative) {
    auto digest = digest_path(root / relative);
    EXPECT_TRUE(digest.ok());
    std::string hex = digest->digest.hex();
    EXPECT_TRUE(space->objects().save(root / relative, hex, digest->is_directory, nullptr).ok());
    return {relative, digest->is_directory ? "directory" : "file", hex,
            static_cast<int64_t>(digest->size)};
  }

  // A run of `pipeline` started at `started` (ISO UTC) whose one stage wrote `outputs`.
  void record_run(const std::string& id, const std::string& pipeline, const std::string& started,
                  const std::vector<ArtifactVersion>& outputs,
                  const std::string& status = "succeeded") {
    RunRecord run;
    run.id = id;
    run.pipeline = pipeline;
    run.pipeline_file = pipeline + ".yaml";
    run.host = "elsewhere";  // not this host: never mistaken for an interrupted run...
    run.started_at = started;
    ASSERT_TRUE(store().begin_run(run).ok());
    // ... as long as its heartbeat is fresh (app/workspace.hpp: heartbeat_stale_after).
    ASSERT_TRUE(store().heartbeat(id, now_utc_iso()).ok());
    ExecutionRecord execution;
    execution.run_id = id;
    execution.stage = "make";
    execution.command = "make";
    execution.started_at = started;
    auto execution_id = store().begin_execution(execution);
    ASSERT_TRUE(execution_id.ok());
    execution.id = *execution_id;
    execution.status = "succeeded";
    execution.exit_code = 0;
    execution.ended_at = started;
    ASSERT_TRUE(store().finish_execution({execution, {}, outputs, {}}).ok());
    if (status != "running") {
      ASSERT_TRUE(store().finish_run(id, status, started).ok());
    }
  }

  std::optional<TempDir> dir;
  std::filesystem::path root;
  std::optional<Workspace> space;
};

}  // namespace mlops::testing
