#include "app/plan.hpp"

#include <algorithm>
#include <optional>

#include "engine/executor.hpp"
#include "engine/output_cache.hpp"
#include "engine/reporter_list.hpp"
#include "engine/store_digest_memo.hpp"
#include "exec/fake_runner.hpp"

namespace mlops {
namespace {

// A reporter that hears nothing; the plan is read from the executor's report and fates.
class SilentReporter final : public Reporter {};

// With nothing recorded yet every stage "never ran"; a dry-run printout does not say so on every
// line (the other reasons, such as "upstream a will run", it does).
class FirstRunFilter final : public ReporterList {
 public:
  explicit FirstRunFilter(Reporter& inner) : ReporterList({&inner}) {}
  void stage_started(const Stage& stage, int attempt, int max, const ProcessRequest& request,
                     const StageReport& report) override {
    StageReport shown = report;
    if (shown.note == "never ran") {
      shown.note.clear();
    }
    ReporterList::stage_started(stage, attempt, max, request, shown);
  }
};

PlannedAction action_of(const StageReport& report, const std::optional<CacheAction>& fate) {
  if (report.status == StageStatus::NotSelected) {
    return PlannedAction::NotSelected;
  }
  if (fate == CacheAction::Restore) {
    return PlannedAction::Restore;
  }
  if (fate == CacheAction::UpToDate) {
    return PlannedAction::Skip;
  }
  return PlannedAction::Run;
}

}  // namespace

const char* planned_action_name(PlannedAction action) {
  switch (action) {
    case PlannedAction::Run:
      return "run";
    case PlannedAction::Restore:
      return "restore";
    case PlannedAction::Skip:
      return "skip";
    case PlannedAction::NotSelected:
      break;
  }
  return "not-selected";
}

bool Plan::up_to_date() const {
  return count(PlannedAction::Run) == 0 && count(PlannedAction::Restore) == 0;
}

size_t Plan::count(PlannedAction action) const {
  return static_cast<size_t>(std::count_if(
      stages.begin(), stages.end(), [&](const PlannedStage& s) { return s.action == action; }));
}

Plan plan_run(Workspace& workspace, const CheckedPipeline& checked, const PlanOptions& options,
              Reporter* observer) {
  const Pipeline& pipeline = checked.pipeline;
  std::vector<bool> selected = options.selected;
  if (selected.empty()) {
    selected.assign(pipeline.stages.size(), true);
  }
  // Nothing recorded yet: decide against an empty store, so that the rules that need no history
  // (upstream stages that run, forced stages) still give their reasons.
  std::unique_ptr<SqlStore> empty;
  MetadataStore* store = workspace.store();
  if (!store) {
    auto opened = SqlStore::open(":memory:");
    if (opened.ok()) {
      empty = std::move(*opened);
      store = empty.get();
    }
  }
  std::optional<StoreDigestMemo> memo;
  std::optional<OutputCache> cache;
  if (store) {
    memo.emplace(*store);
    cache.emplace(
        *store, workspace.objects(), *memo, pipeline,
        OutputCacheOptions{options.force, options.force_stages, true, {}, options.source});
  }
  SilentReporter silent;
  Reporter* shown = observer ? observer : &silent;
  std::optional<FirstRunFilter> filter;
  if (empty) {
    shown = &filter.emplace(*shown);
  }
  ReporterList reporters({shown});
  DryRunRunner runner;
  SystemClock clock;
  RunOptions run_options;
  run_options.run_id = "RUN_ID";
  run_options.jobs = std::max<size_t>(1, options.jobs);
  run_options.check_outputs = false;
  Executor executor(pipeline, checked.graph, selected, runner, reporters, clock, run_options);
  if (cache) {
    executor.set_cache(&*cache);
  }
  RunReport report = executor.run();
  Plan plan;
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    const StageReport& stage = report.stages[i];
    PlannedAction action = action_of(stage, executor.fates()[i]);
    std::string reason =
        stage.note.empty() && action == PlannedAction::Run ? "never ran" : stage.note;
    plan.stages.push_back({pipeline.stages[i].name, action, reason});
  }
  return plan;
}

}  // namespace mlops
