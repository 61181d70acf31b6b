// mlops status PIPELINE: for every stage, whether a run would run it and why, in words. The
// plan comes from app/plan, the same planner `run --dry-run` and `run` use.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/lock_file.hpp"
#include "app/plan.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_observer.hpp"
#include "cli/text_table.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

void print_plan(const Pipeline& pipeline, const Plan& plan, bool json,
                const std::optional<std::string>& lock_file) {
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& row : plan.stages) {
      if (row.action != PlannedAction::NotSelected) {
        list.push_back({{"stage", row.stage},
                        {"action", planned_action_name(row.action)},
                        {"reason", row.reason}});
      }
    }
    nlohmann::json root{
        {"pipeline", pipeline.name}, {"up_to_date", plan.up_to_date()}, {"stages", list}};
    if (lock_file) {
      root["compared_with"] = *lock_file;
    }
    write_all(1, json_text(root, 2) + "\n");
    return;
  }
  TextTable table({"STAGE", "", "WHY"});
  for (const auto& row : plan.stages) {
    std::string verdict = row.action == PlannedAction::Skip      ? "up to date"
                          : row.action == PlannedAction::Restore ? "would restore"
                                                                 : "would run";
    table.add({row.stage, verdict, row.action == PlannedAction::Skip ? "" : row.reason});
  }
  write_all(1, table.render());
}

}  // namespace

int status_command(const StatusCommand& command) {
  LoadOptions load{command.params.params, command.params.params_file, "RUN_ID",
                   command.params.set_params};
  LoadedPipeline loaded = load_checked_pipeline(command.pipeline, load);
  if (!loaded.checked) {
    print_pipeline_errors(loaded);
    return k_exit_invalid;
  }
  auto workspace =
      Workspace::open(loaded.checked->pipeline.workspace, command.query.store, StoreMode::IfExists);
  if (!workspace.ok()) {
    return report_run_error(workspace.error());
  }
  print_recovered(workspace->recovered());
  // A fresh clone has no store: the lock file, when there is one, says what is current.
  std::optional<std::string> lock_file;
  const Pipeline& pipeline = loaded.checked->pipeline;
  if (workspace->store() == nullptr && std::filesystem::exists(lock_path_for(pipeline.file))) {
    auto lock = read_lock(pipeline);
    if (!lock.ok()) {
      return report_run_error(lock.error());
    }
    lock_file = lock_path_for(pipeline.file).string();
    write_all(2, fmt::format("mlops: no store in this workspace: compared with {}\n", *lock_file));
    Plan plan = plan_from_lock(*loaded.checked, *lock);
    print_plan(pipeline, plan, command.query.json, lock_file);
    return plan.up_to_date() ? k_exit_success : k_exit_stage_failed;
  }
  Plan plan = plan_run(*workspace, *loaded.checked, PlanOptions{});
  print_plan(loaded.checked->pipeline, plan, command.query.json, lock_file);
  return plan.up_to_date() ? k_exit_success : k_exit_stage_failed;
}

}  // namespace mlops
