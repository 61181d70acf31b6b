// Trigger checking as a service: evaluate a pipeline's triggers against their state in the
// store and start the run they call for, honouring the pipeline's `concurrency`. `mlops trigger
// check` calls it once per pipeline; the watcher (app/watcher.hpp) starts it when something
// changed. It never prints: what it decides goes to a TriggerEvents sink, and the runs it starts
// report through the sink's RunObserver.
//
// Exactly-once per event: overlapping checks decide one at a time per pipeline (a decision lock
// beside the store), and the new trigger states are written in the same transaction as the run
// row by compare-and-set (app/run_service.hpp), so a crash between deciding and recording fires
// again next time and two checks never start two runs for one event.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/pipeline_loading.hpp"
#include "app/run_service.hpp"
#include "triggers/evaluator.hpp"
#include "util/wall_clock.hpp"

namespace mlops {

struct TriggerCheckOptions {
  std::optional<std::filesystem::path> store;  // --store
  bool dry_run = false;                        // evaluate and say what would run; write nothing
  size_t jobs = 0;                             // for the runs started
};

// What one pipeline's check did.
struct PipelineCheck {
  std::string file;
  std::string pipeline;
  // none | ran | would-run | skipped | busy | error
  std::string action = "none";
  std::vector<std::string> fired;  // reasons
  std::vector<std::string> notes;
  std::vector<std::string> errors;
  std::vector<std::string> runs;  // ids of the runs started
  // The worst exit code of the runs started (0, 1, 128 + signal), or 2 when the pipeline or a
  // trigger could not be evaluated.
  int exit_code = 0;
};

// Where a check's words go. `line` is always shown, `note` is detail a quiet front end drops.
class TriggerEvents {
 public:
  virtual ~TriggerEvents() = default;
  virtual void line(const std::string& pipeline, const std::string& text) = 0;
  virtual void note(const std::string& pipeline, const std::string& text) = 0;
  virtual void error(const std::string& pipeline, const std::string& text) = 0;
  // Hears the runs the check starts.
  virtual RunObserver& run_observer() = 0;
};

// Clocks and seams a check uses; tests put fakes here.
struct TriggerSeams {
  const WallClock* clock = nullptr;  // the schedule's clock; null: SystemWallClock
  RunSeams run;                      // for the runs started
};

PipelineCheck check_pipeline_triggers(const std::filesystem::path& file, const Pipeline& pipeline,
                                      const TriggerCheckOptions& options, TriggerEvents& events,
                                      const TriggerSeams& seams = {});

// The pipeline files `trigger check` and `watch` look at when none are named: pipeline.yaml
// and pipelines/*.yaml (or .yml) in the workspace of the current directory, those with a
// `triggers:` block; paths relative to the current directory.
std::vector<std::filesystem::path> discover_triggered_pipelines();

struct TriggeredPipelines {
  std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines;  // upstream first
  std::vector<LoadedPipeline> invalid;  // files that failed to load, with their diagnostics
  bool none_found = false;              // no file named and none discovered
};

// Loads `files` (discovered when empty), upstream pipelines first: a pipeline an artifact
// trigger names is checked before the pipeline it feeds (one check runs features, then
// training).
TriggeredPipelines load_triggered_pipelines(std::vector<std::filesystem::path> files);

// Evaluates without writing anything (for the watcher, to decide whether to start a check):
// whether something would fire or advance, and when to look again.
struct Peek {
  bool act = false;
  std::optional<WallTime> wake_at;
  std::vector<std::string> errors;
};
Peek peek_pipeline_triggers(const Pipeline& pipeline,
                            const std::optional<std::filesystem::path>& store,
                            const WallClock& clock);

}  // namespace mlops
