// Evaluating every trigger of a pipeline at once, and what the run it starts records.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "triggers/trigger.hpp"

namespace mlops {

struct PipelineEvaluation {
  std::vector<TriggerOutcome> outcomes;  // in file order: git, data, schedule, artifact

  bool fires() const;
  std::vector<const Firing*> firings() const;
  // What the run writes in its own transaction: the firing triggers' new states, and the quiet
  // advances of the others.
  std::vector<TriggerAdvance> run_advances() const;
  // What to write when nothing runs.
  std::vector<TriggerAdvance> quiet_advances() const;
  std::vector<std::string> errors() const;
  // The earliest time a trigger could fire on its own (a schedule, a settling file).
  std::optional<WallTime> wake_at() const;
  bool more_due() const;

  // The run's cause ("git", "data+schedule") and cause detail (JSON: the reasons, and each
  // firing trigger's facts, such as the commit).
  std::string cause() const;
  std::string cause_detail() const;
};

// Reads the pipeline's trigger states from the store and evaluates each trigger.
PipelineEvaluation evaluate_triggers(const TriggerSpecs& specs, const TriggerContext& context);

}  // namespace mlops
