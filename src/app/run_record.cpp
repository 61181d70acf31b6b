#include "app/run_record.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "app/workspace.hpp"
#include "engine/params_json.hpp"
#include "exec/process_table.hpp"
#include "git/repo_state.hpp"
#include "hash/digest.hpp"
#include "util/paths.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

std::string user_name() {
  if (const passwd* entry = ::getpwuid(::geteuid())) {
    return entry->pw_name;
  }
  const char* env = std::getenv("USER");
  return env ? env : std::to_string(::geteuid());
}

}  // namespace

RunRecord make_run_record(const Pipeline& pipeline, const std::string& run_id,
                          std::vector<std::string>& warnings) {
  RunRecord run;
  run.id = run_id;
  run.pipeline = pipeline.name;
  std::string absolute = std::filesystem::absolute(pipeline.file).lexically_normal().string();
  run.pipeline_file = workspace_relative(pipeline.workspace, absolute).value_or(absolute);
  run.pipeline_hash = digest_bytes(pipeline.source_text).hex();
  run.params_json = params_to_json(pipeline.params);
  if (auto git = read_git_state(pipeline.workspace); !git.ok()) {
    warnings.push_back("the run is recorded without its git commit: " + git.error().message());
  } else if (git->has_value()) {
    run.git_commit = (*git)->commit;
    run.git_branch = (*git)->branch;
    run.git_dirty = (*git)->dirty;
  }
  run.host = host_name();
  run.user = user_name();
  run.mlops_version = MLOPS_VERSION;
  ProcessIdentity self = self_identity();
  run.owner_pid = self.pid;
  if (self.start_ticks > 0) {
    run.owner_start_ticks = static_cast<int64_t>(self.start_ticks);
  }
  if (std::string boot = boot_id(); !boot.empty()) {
    run.boot_id = boot;
  }
  run.started_at = now_utc_iso();
  return run;
}

}  // namespace mlops
