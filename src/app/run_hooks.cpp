#include "app/run_hooks.hpp"

#include <chrono>
#include <map>

#include <fmt/format.h>

#include "app/log_tail.hpp"
#include "exec/process_runner.hpp"
#include "util/environment.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// How long a hook's process group gets between SIGTERM and SIGKILL (timeout or Ctrl-C).
constexpr Milliseconds k_hook_kill_grace{2000};

// Why a stage ended as it did, in a few words ("exit code 1", "upstream train failed").
std::string exit_reason(const StageReport& stage) {
  switch (stage.status) {
    case StageStatus::Failed:
      return describe_failure(stage.last);
    case StageStatus::Succeeded:
      return !stage.cached ? "exit code 0" : stage.note.empty() ? "up to date" : stage.note;
    default:
      return stage.note;
  }
}

nlohmann::json stages_json(const RunSummaryInput& input, const std::vector<std::string>& secrets,
                           nlohmann::json& failed, nlohmann::json& rejected) {
  nlohmann::json stages = nlohmann::json::array();
  const Pipeline& pipeline = *input.pipeline;
  for (size_t i = 0; i < pipeline.stages.size() && i < input.report->stages.size(); ++i) {
    const StageReport& stage = input.report->stages[i];
    if (stage.status == StageStatus::NotSelected) {
      continue;
    }
    const std::string& name = pipeline.stages[i].name;
    nlohmann::json entry = {{"name", name},
                            {"status", stage_status_name(stage.status)},
                            {"exit_reason", redact_values(exit_reason(stage), secrets)},
                            {"attempts", stage.attempts},
                            {"duration_ms", stage.duration.count()},
                            {"cached", stage.cached}};
    if (stage.status == StageStatus::Failed) {
      entry["exit_code"] = stage.last.outcome == ProcessOutcome::Exited
                               ? nlohmann::json(stage.last.exit_code)
                               : nlohmann::json(nullptr);
      failed.push_back(name);
    } else if (stage.status == StageStatus::Rejected) {
      rejected.push_back(name);
    }
    if (!stage.log_path.empty()) {
      entry["log"] = stage.log_path.string();
    }
    stages.push_back(std::move(entry));
  }
  return stages;
}

nlohmann::json optional_json(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// The store's facts about the run: name, tags, note, cause, commit (the name, tags and note
// are the user's words: an env: value in them is redacted).
void add_run_record(nlohmann::json& summary, const std::optional<RunRecord>& run,
                    const std::vector<std::string>& secrets) {
  summary["name"] = run && run->name ? nlohmann::json(redact_values(*run->name, secrets))
                                     : nlohmann::json(nullptr);
  summary["tags"] = nlohmann::json::object();
  summary["trigger"] = {{"cause", run ? run->cause : "manual"},
                        {"detail", run ? optional_json(run->cause_detail) : nullptr}};
  summary["commit"] = nullptr;
  if (!run) {
    return;
  }
  for (const auto& [key, value] : run->tags) {
    summary["tags"][key] = redact_values(value, secrets);
  }
  if (run->note) {
    summary["note"] = redact_values(*run->note, secrets);
  }
  if (run->git_commit) {
    summary["commit"] = {{"id", *run->git_commit},
                         {"branch", optional_json(run->git_branch)},
                         {"dirty", run->git_dirty.value_or(false)}};
  }
  summary["host"] = run->host;
  summary["user"] = run->user;
}

}  // namespace

ChosenHook choose_hook(const PipelineHooks& hooks, const RunReport& report) {
  if (report.interrupt_signal != 0) {
    return {};
  }
  const std::optional<HookSpec>* chosen = nullptr;
  std::string name;
  switch (report.exit_code()) {
    case 0:
      chosen = &hooks.on_success, name = "on_success";
      break;
    case 3:
      chosen = &hooks.on_rejected, name = "on_rejected";
      break;
    default:
      chosen = &hooks.on_failure, name = "on_failure";
      break;
  }
  return chosen->has_value() ? ChosenHook{name, &**chosen} : ChosenHook{};
}

nlohmann::json run_summary(const RunSummaryInput& input) {
  std::vector<std::string> secrets = pipeline_env_values(*input.pipeline);
  nlohmann::json summary = {{"version", k_run_summary_version},
                            {"hook", input.hook},
                            {"run_id", input.run_id},
                            {"pipeline", input.pipeline->name},
                            {"pipeline_file", input.pipeline->file.string()},
                            {"workspace", input.pipeline->workspace.string()},
                            {"status", input.report->status_name()},
                            {"exit_code", input.report->exit_code()},
                            {"started_at", input.started_at},
                            {"finished_at", input.finished_at},
                            {"duration_ms", input.report->duration.count()},
                            {"log_dir", input.log_dir.string()},
                            {"report", optional_json(input.junit)}};
  add_run_record(summary, input.run, secrets);
  nlohmann::json failed = nlohmann::json::array();
  nlohmann::json rejected = nlohmann::json::array();
  summary["stages"] = stages_json(input, secrets, failed, rejected);
  summary["failed_stages"] = std::move(failed);
  summary["rejected_stages"] = std::move(rejected);
  nlohmann::json metrics = nlohmann::json::object();
  for (const MetricRecord& metric : input.metrics) {
    metrics[metric.stage][metric.key] = metric.value;
  }
  summary["metrics"] = std::move(metrics);
  return summary;
}

namespace {

// The output lines reach the hook's log file only (ProcessRequest::log_path).
class DiscardingSink final : public OutputSink {
 public:
  void on_output(std::string_view, OutputStream, std::string_view) override {}
};

std::string joined(const nlohmann::json& names) {
  std::string text;
  for (const auto& name : names) {
    text += (text.empty() ? "" : ",") + name.get<std::string>();
  }
  return text;
}

void add_hook_env(EnvironmentList& env, const nlohmann::json& summary,
                  const std::filesystem::path& summary_file) {
  set_env(env, "MLOPS_HOOK", summary["hook"].get<std::string>());
  set_env(env, "MLOPS_RUN_ID", summary["run_id"].get<std::string>());
  set_env(env, "MLOPS_RUN_NAME",
          summary["name"].is_string() ? summary["name"].get<std::string>() : std::string());
  set_env(env, "MLOPS_RUN_STATUS", summary["status"].get<std::string>());
  set_env(env, "MLOPS_PIPELINE", summary["pipeline"].get<std::string>());
  set_env(env, "MLOPS_EXIT_CODE", std::to_string(summary["exit_code"].get<int>()));
  set_env(env, "MLOPS_FAILED_STAGES", joined(summary["failed_stages"]));
  set_env(env, "MLOPS_REJECTED_STAGES", joined(summary["rejected_stages"]));
  set_env(env, "MLOPS_RUN_TRIGGER", summary["trigger"]["cause"].get<std::string>());
  set_env(env, "MLOPS_RUN_DURATION_MS", std::to_string(summary["duration_ms"].get<int64_t>()));
  set_env(env, "MLOPS_RUN_SUMMARY_FILE", summary_file.string());
  set_env(env, "MLOPS_WORKSPACE", summary["workspace"].get<std::string>());
}

// How the hook's process ended, as the store records it.
void describe_end(const ProcessResult& result, HookExecutionRecord& record) {
  switch (result.outcome) {
    case ProcessOutcome::Exited:
      record.status = result.exit_code == 0 ? "succeeded" : "failed";
      record.exit_code = result.exit_code;
      break;
    case ProcessOutcome::TimedOut:
      record.status = "timed_out";
      break;
    case ProcessOutcome::Cancelled:
      record.status = "cancelled";
      break;
    case ProcessOutcome::FailedToStart:
      record.status = "not_started";
      break;
    default:
      record.status = "failed";
      break;
  }
  if (result.signal != 0) {
    record.signal = result.signal;
  }
  if (record.status != "succeeded") {
    record.message = describe_failure(result);
  }
}

// Runs the request on its own ProcessRunner until it ends; an interrupt (Ctrl-C) stops it.
ProcessResult run_process(const ProcessRequest& request) {
  DiscardingSink sink;
  ProcessRunnerOptions options;
  options.kill_grace = k_hook_kill_grace;
  options.drain_limit = Milliseconds(500);
  ProcessRunner runner(sink, options);
  runner.start(request);
  while (true) {
    WaitResult waited = runner.wait(std::nullopt);
    if (waited.interrupt_signal != 0) {
      runner.cancel_all();  // a second interrupt kills at once
    }
    if (!waited.finished.empty()) {
      return waited.finished.front();
    }
  }
}

std::string workspace_relative(const std::filesystem::path& path,
                               const std::filesystem::path& workspace) {
  return path.lexically_relative(workspace).generic_string();
}

}  // namespace

HookRun run_hook(const HookSpec& hook, const RunSummaryInput& input, EnvironmentList base_env) {
  HookRun run;
  HookExecutionRecord& record = run.record;
  record.run_id = input.run_id;
  record.hook = input.hook;
  const std::filesystem::path dir = input.log_dir / "hooks";
  const std::filesystem::path summary_file = dir / (input.hook + ".json");
  const std::filesystem::path log = dir / (input.hook + ".log");
  record.log_path = workspace_relative(log, input.pipeline->workspace);
  nlohmann::json summary = run_summary(input);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  Status written = write_file_atomic(summary_file, summary.dump(2) + "\n");
  record.started_at = now_utc_iso();
  auto start = std::chrono::steady_clock::now();
  if (!written.ok()) {
    record.status = "not_started";
    record.message = "cannot write the run summary: " + written.error().message();
  } else {
    ProcessRequest request;
    request.label = "hook " + input.hook;
    // stdin from the summary, then the command as written (the user's own shell code).
    request.argv = {"/bin/sh", "-c",
                    "exec <\"$MLOPS_RUN_SUMMARY_FILE\" || exit 126\n" + hook.command};
    request.env = std::move(base_env);
    add_hook_env(request.env, summary, summary_file);
    request.workdir = input.pipeline->workspace;
    request.log_path = log;
    request.create_dirs.push_back(dir);
    request.timeout = hook.timeout;
    describe_end(run_process(request), record);
  }
  record.ended_at = now_utc_iso();
  record.duration_ms =
      std::chrono::duration_cast<Milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (record.status != "succeeded") {
    run.warning = fmt::format(
        "the {} hook did not succeed ({}; its output: {}); the run's "
        "outcome is unchanged",
        input.hook, record.message.value_or(record.status), log.string());
  }
  return run;
}

}  // namespace mlops
