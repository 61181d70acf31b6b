// The one answer to "what would a run do, and why": `mlops status`, `mlops run --dry-run` and a
// real run agree because all three decide each stage through OutputCache::decide() in the
// executor's own loop (engine/output_cache.hpp lists the rules). A plan is that loop with a
// runner that runs nothing and a cache that restores nothing: a stage that reads the output of
// a stage that will run is planned to run; one downstream of a restored stage is decided on
// the restored versions' digests, exactly as the run will see them.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "app/pipeline_loading.hpp"
#include "app/workspace.hpp"
#include "engine/output_source.hpp"
#include "engine/reporter.hpp"

namespace mlops {

enum class PlannedAction { Run, Restore, Skip, NotSelected };
const char* planned_action_name(PlannedAction action);  // run | restore | skip | not-selected

struct PlannedStage {
  std::string stage;
  PlannedAction action = PlannedAction::Run;
  std::string reason;  // in the words the run prints; "never ran" when nothing was recorded
};

struct Plan {
  std::vector<PlannedStage> stages;  // indexed like Pipeline::stages
  // Whether no selected stage would run or be restored.
  bool up_to_date() const;
  size_t count(PlannedAction action) const;
};

struct PlanOptions {
  std::vector<bool> selected;  // from dag/selection; empty: every stage
  bool force = false;
  std::set<std::string> force_stages;
  size_t jobs = 1;
  OutputSource* source = nullptr;  // --pull: what the remote's run-cache index says too
};

// Plans a run of `checked` in `workspace`. Its store may be null (nothing recorded yet): every
// selected stage then runs. `observer` (may be null) sees the plan as the executor makes it,
// stage by stage (the dry-run printout). Reads the store and hashes files; writes nothing.
Plan plan_run(Workspace& workspace, const CheckedPipeline& checked, const PlanOptions& options,
              Reporter* observer = nullptr);

}  // namespace mlops
