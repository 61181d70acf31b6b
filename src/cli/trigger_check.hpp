// One pass of trigger checking over one pipeline: evaluate its triggers against the store, and
// start the run they call for, honouring the pipeline's `concurrency`. `mlops trigger check`
// runs it once per pipeline; `mlops watch` runs it in child processes when something changed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/pipeline.hpp"
#include "triggers/evaluator.hpp"

namespace mlops {

struct TriggerCheckOptions {
  std::optional<std::filesystem::path> store;  // --store
  bool dry_run = false;                        // evaluate and say what would run; write nothing
  bool quiet = false;                          // only firings, runs and errors
  bool json = false;                           // stdout is JSON; progress goes to stderr
  size_t jobs = 0;
};

struct PipelineCheck {
  std::string file;
  std::string pipeline;
  // none | ran | would-run | skipped | busy | error
  std::string action = "none";
  std::vector<std::string> fired;  // reasons
  std::vector<std::string> notes;
  std::vector<std::string> errors;
  std::vector<std::string> runs;  // ids of the runs started
  int exit_code = 0;              // of the worst run, or 2 for an error
  nlohmann::json to_json() const;
};

// The pipeline files `trigger check` and `watch` look at when none are named: pipeline.yaml
// and pipelines/*.yaml (or .yml) in the current workspace, those with a `triggers:` block.
std::vector<std::filesystem::path> discover_triggered_pipelines();

// Orders the pipelines so that an upstream pipeline an artifact trigger names is checked before
// the pipeline it feeds (one `trigger check` then runs features, then training).
std::vector<std::pair<std::filesystem::path, Pipeline>> order_by_artifacts(
    std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines);

// Loads the pipeline (printing diagnostics), checks its triggers, runs what fired.
PipelineCheck check_pipeline_triggers(const std::filesystem::path& file, const Pipeline& pipeline,
                                      const TriggerCheckOptions& options);

// Evaluates without writing anything (for `watch`, to decide whether to start a check): whether
// something would fire or advance, and when to look again.
struct Peek {
  bool act = false;
  std::optional<WallTime> wake_at;
  std::vector<std::string> errors;
};
Peek peek_pipeline_triggers(const Pipeline& pipeline,
                            const std::optional<std::filesystem::path>& store);

}  // namespace mlops
