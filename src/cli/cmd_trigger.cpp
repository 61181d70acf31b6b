#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/trigger_service.hpp"
#include "app/trigger_views.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "cli/run_observer.hpp"
#include "schedule/zoned_schedule.hpp"
#include "spec/trigger_parser.hpp"
#include "util/environment.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "util/time_format.hpp"
#include "util/wall_clock.hpp"

namespace mlops {

namespace {

// The check's words on the terminal: `[mlops] PIPELINE: TEXT` (stderr with --json, which keeps
// stdout for the JSON), notes dropped with -q.
class CliTriggerEvents final : public TriggerEvents {
 public:
  explicit CliTriggerEvents(const TriggerCheckFlags& flags)
      : m_fd(flags.json ? 2 : 1), m_quiet(flags.quiet), m_runs(m_fd) {}
  void line(const std::string& pipeline, const std::string& text) override {
    write_all(m_fd, fmt::format("[mlops] {}: {}\n", pipeline, text));
  }
  void note(const std::string& pipeline, const std::string& text) override {
    if (!m_quiet) {
      line(pipeline, text);
    }
  }
  void error(const std::string& pipeline, const std::string& text) override {
    write_all(2, fmt::format("mlops: error: {}: {}\n", pipeline, text));
  }
  RunObserver& run_observer() override { return m_runs; }

 private:
  int m_fd;
  bool m_quiet;
  CliRunObserver m_runs;
};

nlohmann::json check_json(const PipelineCheck& check) {
  return {{"file", check.file},   {"pipeline", check.pipeline},  {"action", check.action},
          {"fired", check.fired}, {"notes", check.notes},        {"errors", check.errors},
          {"runs", check.runs},   {"exit_code", check.exit_code}};
}

// The trigger pipelines, loaded (diagnostics printed); nothing when none could be found.
std::optional<TriggeredPipelines> load_or_report(const std::vector<std::filesystem::path>& files) {
  TriggeredPipelines loaded = load_triggered_pipelines(files);
  if (loaded.none_found) {
    write_all(2,
              "mlops: error: no pipeline with a 'triggers:' block in ./pipeline.yaml or "
              "./pipelines/*.yaml; name the pipeline files, or add triggers "
              "(docs/triggers.md)\n");
    return std::nullopt;
  }
  for (const auto& invalid : loaded.invalid) {
    print_pipeline_errors(invalid);
    write_all(
        2, fmt::format("mlops: {} was not checked; fix the errors above\n", invalid.file.string()));
  }
  return loaded;
}

TriggerSeams cli_trigger_seams() {
  TriggerSeams seams;
  if (test_hook("MLOPS_TEST_CRASH_BEFORE_RECORD")) {
    // A crash after deciding, before the run is recorded (tests only).
    seams.run.before_record = [] { ::raise(SIGKILL); };
  }
  return seams;
}

}  // namespace

std::optional<std::vector<std::pair<std::filesystem::path, Pipeline>>> load_watched_pipelines(
    const std::vector<std::filesystem::path>& files) {
  auto loaded = load_or_report(files);
  if (!loaded) {
    return std::nullopt;
  }
  return std::move(loaded->pipelines);
}

int trigger_check_command(const TriggerCheckCommand& command) {
  if (command.from_watch) {
    // Started by `mlops watch`: end with it, however it ends.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() == 1) {
      return k_exit_signal_base + SIGTERM;
    }
  }
  auto loaded = load_or_report(command.pipelines);
  if (!loaded) {
    return k_exit_invalid;
  }
  int exit_code = loaded->invalid.empty() ? k_exit_success : k_exit_invalid;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& invalid : loaded->invalid) {
    PipelineCheck broken;
    broken.file = invalid.file.string();
    broken.action = "error";
    broken.errors.push_back(
        "the pipeline file has errors (printed on stderr); fix them with "
        "`mlops check " +
        invalid.file.string() + "`");
    broken.exit_code = k_exit_invalid;
    results.push_back(check_json(broken));
  }
  CliTriggerEvents events(command.options);
  TriggerCheckOptions options{command.options.store, command.options.dry_run, command.options.jobs};
  TriggerSeams seams = cli_trigger_seams();
  for (const auto& [file, pipeline] : loaded->pipelines) {
    PipelineCheck check = check_pipeline_triggers(file, pipeline, options, events, seams);
    results.push_back(check_json(check));
    if (check.exit_code > k_exit_signal_base) {
      exit_code = check.exit_code;  // interrupted: stop here
      break;
    }
    exit_code = std::max(exit_code, check.exit_code);
  }
  if (command.options.json) {
    write_all(1, json_text(nlohmann::json{{"pipelines", results}}, 2) + "\n");
  }
  return exit_code;
}

int trigger_next_command(const TriggerNextCommand& command) {
  auto checked = load_or_print(command.pipeline, LoadOptions{});
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
  auto schedules = next_schedule_times(pipeline, wall_now(), command.count);
  if (!schedules.ok()) {
    write_all(2, fmt::format("mlops: error: {}\n", schedules.error().message()));
    return k_exit_invalid;
  }
  std::string text;
  for (const auto& schedule : *schedules) {
    text += fmt::format("schedule \"{}\" in {} (catchup {}):\n", schedule.cron, schedule.timezone,
                        schedule.catchup);
    for (const auto& time : schedule.next) {
      text += "  " + time.local + "\n";
    }
    if (schedule.exhausted) {
      text += "  (no further time within eight years)\n";
    }
  }
  if (command.json) {
    write_all(1, json_text(schedule_times_json(pipeline.name, *schedules), 2) + "\n");
  } else {
    write_all(1, text);
  }
  return k_exit_success;
}

}  // namespace mlops
