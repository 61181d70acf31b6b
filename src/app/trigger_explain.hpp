// `mlops trigger explain`: why a pipeline's triggers did or did not fire. For each metric
// trigger, its stored state and what an evaluation now would decide (without writing anything);
// for the other kinds, when their state last moved; and the newest recorded metric-trigger
// evaluations (trigger_evaluations, written by `trigger check` and `watch`).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "spec/pipeline.hpp"
#include "store/registry_records.hpp"
#include "util/error.hpp"
#include "util/wall_clock.hpp"

namespace mlops {

// Every trigger of the pipeline as (kind, key), metric triggers first.
std::vector<std::pair<std::string, std::string>> trigger_keys(const TriggerSpecs& specs);

struct TriggerStateLine {
  std::string kind;  // git | data | schedule | artifact | drift | metric
  std::string key;
  std::optional<std::string> state;  // metric: ARMED, PENDING, ...; nothing: never evaluated
  std::optional<std::string> updated_at;
  std::optional<std::string> run_id;  // the run that last advanced it
  std::string state_json;             // as stored ("" when never evaluated)
  std::string now;                    // metric: what an evaluation now decides
  bool would_fire = false;            // metric: an evaluation now would fire
};

struct TriggerExplanation {
  std::string pipeline;
  std::vector<TriggerStateLine> triggers;      // metric triggers first, then the others
  std::vector<TriggerEvaluation> evaluations;  // newest first
  std::vector<std::string> errors;             // a trigger that could not be evaluated now
};

// NotFound (with what to do) when the pipeline's store does not exist yet; Io for a store that
// cannot be read.
Result<TriggerExplanation> explain_triggers(const Pipeline& pipeline,
                                            const std::optional<std::filesystem::path>& store,
                                            const WallClock& clock, int limit);

}  // namespace mlops
