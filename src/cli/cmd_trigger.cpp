#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "cli/trigger_check.hpp"
#include "cli/wall_clock.hpp"
#include "schedule/zoned_schedule.hpp"
#include "spec/trigger_parser.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {

std::optional<std::vector<std::pair<std::filesystem::path, Pipeline>>> load_triggered_pipelines(
    std::vector<std::filesystem::path> files, bool& had_errors,
    std::vector<std::filesystem::path>* unloaded) {
  if (files.empty()) {
    files = discover_triggered_pipelines();
    if (files.empty()) {
      write_all(2,
                "mlops: error: no pipeline with a 'triggers:' block in ./pipeline.yaml or "
                "./pipelines/*.yaml; name the pipeline files, or add triggers "
                "(docs/triggers.md)\n");
      return std::nullopt;
    }
  }
  std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines;
  for (const auto& file : files) {
    auto checked = load_checked_pipeline(file, LoadOptions{});
    if (!checked) {
      write_all(2, fmt::format("mlops: {} was not checked; fix the errors above\n", file.string()));
      had_errors = true;
      if (unloaded) {
        unloaded->push_back(file);
      }
      continue;
    }
    pipelines.emplace_back(file, std::move(checked->pipeline));
  }
  return order_by_artifacts(std::move(pipelines));
}

int trigger_check_command(const TriggerCheckCommand& command) {
  if (command.from_watch) {
    // Started by `mlops watch`: end with it, however it ends.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() == 1) {
      return k_exit_signal_base + SIGTERM;
    }
  }
  bool had_errors = false;
  std::vector<std::filesystem::path> unloaded;
  auto pipelines = load_triggered_pipelines(command.pipelines, had_errors, &unloaded);
  if (!pipelines) {
    return k_exit_invalid;
  }
  int exit_code = had_errors ? k_exit_invalid : k_exit_success;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& file : unloaded) {
    PipelineCheck broken;
    broken.file = file.string();
    broken.action = "error";
    broken.errors.push_back(
        "the pipeline file has errors (printed on stderr); fix them with "
        "`mlops check " +
        file.string() + "`");
    broken.exit_code = k_exit_invalid;
    results.push_back(broken.to_json());
  }
  for (const auto& [file, pipeline] : *pipelines) {
    PipelineCheck check = check_pipeline_triggers(file, pipeline, command.options);
    results.push_back(check.to_json());
    if (check.exit_code > k_exit_signal_base) {
      exit_code = check.exit_code;  // interrupted: stop here
      break;
    }
    exit_code = std::max(exit_code, check.exit_code);
  }
  if (command.options.json) {
    write_all(1, nlohmann::json{{"pipelines", results}}.dump(2) + "\n");
  }
  return exit_code;
}

int trigger_next_command(const TriggerNextCommand& command) {
  auto checked = load_checked_pipeline(command.pipeline, LoadOptions{});
  if (!checked) {
    return k_exit_invalid;
  }
  const Pipeline& pipeline = checked->pipeline;
  if (pipeline.triggers.schedule.empty()) {
    write_all(2, fmt::format("mlops: error: {} has no schedule trigger; add one such as\n"
                             "  triggers:\n    schedule: {{cron: \"0 3 * * *\", timezone: UTC}}\n",
                             command.pipeline.string()));
    return k_exit_invalid;
  }
  auto now = std::chrono::floor<std::chrono::minutes>(wall_now());
  nlohmann::json schedules = nlohmann::json::array();
  std::string text;
  for (const auto& spec : pipeline.triggers.schedule) {
    auto schedule = ZonedSchedule::make(spec.cron, spec.timezone);
    if (!schedule.ok()) {
      write_all(2, fmt::format("mlops: error: {}\n", schedule.error().message()));
      return k_exit_invalid;
    }
    text += fmt::format("schedule \"{}\" in {} (catchup {}):\n", spec.cron, spec.timezone,
                        catchup_name(spec.catchup));
    nlohmann::json times = nlohmann::json::array();
    SysMinutes from = now;
    for (int i = 0; i < command.count; ++i) {
      auto next = schedule->next_after(from);
      if (!next) {
        text += "  (no further time within eight years)\n";
        break;
      }
      text += "  " + schedule->describe(*next) + "\n";
      times.push_back(
          {{"utc", format_utc_iso(std::chrono::time_point_cast<WallTime::duration>(*next))},
           {"local", schedule->describe(*next)}});
      from = *next;
    }
    schedules.push_back({{"cron", spec.cron},
                         {"timezone", spec.timezone},
                         {"catchup", catchup_name(spec.catchup)},
                         {"next", times}});
  }
  if (command.json) {
    write_all(1,
              nlohmann::json{{"pipeline", pipeline.name}, {"schedules", schedules}}.dump(2) + "\n");
  } else {
    write_all(1, text);
  }
  return k_exit_success;
}

}  // namespace mlops
