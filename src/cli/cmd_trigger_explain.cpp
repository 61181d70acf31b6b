// mlops trigger explain PIPELINE: app/trigger_explain.hpp as text or JSON.
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/trigger_explain.hpp"
#include "app/trigger_service.hpp"
#include "app/trigger_views.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

// The pipeline file named, or the discovered pipeline with that name.
std::optional<std::filesystem::path> pipeline_file(const std::string& argument) {
  std::error_code error;
  if (std::filesystem::is_regular_file(argument, error)) {
    return std::filesystem::path(argument);
  }
  TriggeredPipelines found = load_triggered_pipelines({});
  for (const auto& [file, pipeline] : found.pipelines) {
    if (pipeline.name == argument) {
      return file;
    }
  }
  write_all(2, fmt::format("mlops: error: '{}' is neither a pipeline file nor the name of a "
                           "pipeline with triggers in ./pipeline.yaml or ./pipelines/*.yaml; "
                           "name the pipeline file\n",
                           argument));
  return std::nullopt;
}

std::string decision_of(const TriggerEvaluation& evaluation) {
  auto detail = nlohmann::json::parse(evaluation.detail_json, nullptr, false);
  if (detail.is_object() && detail.contains("decision") && detail["decision"].is_string()) {
    return detail["decision"].get<std::string>();
  }
  return "";
}

std::string explanation_text(const TriggerExplanation& explanation) {
  std::string text = fmt::format("pipeline {}\n", explanation.pipeline);
  for (const auto& line : explanation.triggers) {
    std::string since = line.updated_at ? fmt::format("since {}", *line.updated_at)
                                        : std::string("never evaluated");
    std::string run = line.run_id ? fmt::format(" (run {})", *line.run_id) : "";
    if (line.kind == "metric") {
      text += fmt::format("{}: {} {}{}\n", line.key, line.state.value_or("ARMED"), since, run);
      text += fmt::format("  now: {}{}\n", line.now,
                          line.would_fire ? " (the next `mlops trigger check` fires it)" : "");
    } else {
      text += fmt::format(
          "{}: {}{}\n", line.key,
          line.updated_at ? "state last moved " + *line.updated_at : std::string("never checked"),
          run);
    }
  }
  if (explanation.evaluations.empty()) {
    text += "no recorded metric-trigger evaluations\n";
    return text;
  }
  text += fmt::format("last {} evaluation{} (newest first):\n", explanation.evaluations.size(),
                      explanation.evaluations.size() == 1 ? "" : "s");
  for (const auto& evaluation : explanation.evaluations) {
    std::string run = evaluation.state_after == "FIRING" && evaluation.run_id
                          ? fmt::format(" -> run {}", *evaluation.run_id)
                          : "";
    text += fmt::format("  {} {} -> {}{}: {}\n", evaluation.at, evaluation.state_before,
                        evaluation.state_after, run, decision_of(evaluation));
  }
  return text;
}

}  // namespace

int trigger_explain_command(const TriggerExplainCommand& command) {
  auto file = pipeline_file(command.pipeline);
  if (!file) {
    return k_exit_invalid;
  }
  auto checked = load_or_print(*file, LoadOptions{});
  if (!checked) {
    return k_exit_invalid;
  }
  SystemWallClock clock;
  auto explanation = explain_triggers(checked->pipeline, command.store, clock, command.limit);
  if (!explanation.ok()) {
    write_all(2, fmt::format("mlops: error: {}\n", explanation.error().message()));
    return exit_code_for(explanation.error().kind());
  }
  write_all(1, command.json ? json_text(trigger_explanation_json(*explanation), 2) + "\n"
                            : explanation_text(*explanation));
  for (const auto& error : explanation->errors) {
    write_all(2, fmt::format("mlops: error: {}\n", error));
  }
  return explanation->errors.empty() ? k_exit_success : k_exit_invalid;
}

}  // namespace mlops
