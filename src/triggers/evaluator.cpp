#include "triggers/evaluator.hpp"

#include <algorithm>
#include <map>

#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace mlops {

PipelineEvaluation evaluate_triggers(const TriggerSpecs& specs, const TriggerContext& context) {
  PipelineEvaluation evaluation;
  std::map<std::string, TriggerState> states;
  if (auto stored = context.store.trigger_states(context.pipeline); stored.ok()) {
    for (auto& state : *stored) {
      states.emplace(state.trigger_key, std::move(state));
    }
  } else {
    TriggerOutcome failed;
    failed.error = "cannot read trigger state: " + stored.error().message();
    evaluation.outcomes.push_back(std::move(failed));
    return evaluation;
  }
  auto state_of = [&](const std::string& key) -> std::optional<TriggerState> {
    auto it = states.find(key);
    return it == states.end() ? std::nullopt : std::optional<TriggerState>(it->second);
  };
  for (const auto& spec : specs.git) {
    evaluation.outcomes.push_back(evaluate_git(spec, context, state_of(trigger_key(spec))));
  }
  for (const auto& spec : specs.data) {
    evaluation.outcomes.push_back(evaluate_data(spec, context, state_of(trigger_key(spec))));
  }
  for (const auto& spec : specs.schedule) {
    evaluation.outcomes.push_back(evaluate_schedule(spec, context, state_of(trigger_key(spec))));
  }
  for (const auto& spec : specs.artifact) {
    evaluation.outcomes.push_back(evaluate_artifact(spec, context, state_of(trigger_key(spec))));
  }
  for (const auto& spec : specs.drift) {
    evaluation.outcomes.push_back(evaluate_drift(spec, context, state_of(trigger_key(spec))));
  }
  for (const auto& spec : specs.metric) {
    evaluation.outcomes.push_back(evaluate_metric(spec, context, state_of(trigger_key(spec))));
  }
  return evaluation;
}

bool PipelineEvaluation::fires() const {
  return std::any_of(outcomes.begin(), outcomes.end(),
                     [](const TriggerOutcome& outcome) { return outcome.firing.has_value(); });
}

std::vector<const Firing*> PipelineEvaluation::firings() const {
  std::vector<const Firing*> out;
  for (const auto& outcome : outcomes) {
    if (outcome.firing) {
      out.push_back(&*outcome.firing);
    }
  }
  return out;
}

std::vector<TriggerAdvance> PipelineEvaluation::run_advances() const {
  std::vector<TriggerAdvance> out;
  for (const auto& outcome : outcomes) {
    if (outcome.firing) {
      out.push_back(outcome.firing->advance);
    } else if (outcome.quiet_advance) {
      out.push_back(*outcome.quiet_advance);
    }
  }
  return out;
}

std::vector<TriggerAdvance> PipelineEvaluation::quiet_advances() const {
  std::vector<TriggerAdvance> out;
  for (const auto& outcome : outcomes) {
    if (outcome.quiet_advance) {
      out.push_back(*outcome.quiet_advance);
    }
  }
  return out;
}

std::vector<std::string> PipelineEvaluation::errors() const {
  std::vector<std::string> out;
  for (const auto& outcome : outcomes) {
    if (outcome.error) {
      out.push_back(*outcome.error);
    }
  }
  return out;
}

std::optional<WallTime> PipelineEvaluation::wake_at() const {
  std::optional<WallTime> earliest;
  for (const auto& outcome : outcomes) {
    if (outcome.wake_at && (!earliest || *outcome.wake_at < *earliest)) {
      earliest = outcome.wake_at;
    }
  }
  return earliest;
}

bool PipelineEvaluation::more_due() const {
  return std::any_of(outcomes.begin(), outcomes.end(),
                     [](const TriggerOutcome& outcome) { return outcome.more_due; });
}

std::string PipelineEvaluation::cause() const {
  std::vector<std::string> kinds;
  for (const Firing* firing : firings()) {
    if (std::find(kinds.begin(), kinds.end(), firing->kind) == kinds.end()) {
      kinds.push_back(firing->kind);
    }
  }
  return kinds.empty() ? "trigger" : join(kinds, "+");
}

std::string PipelineEvaluation::cause_detail() const {
  nlohmann::json reasons = nlohmann::json::array();
  nlohmann::json triggers = nlohmann::json::array();
  for (const Firing* firing : firings()) {
    reasons.push_back(firing->reason);
    nlohmann::json detail = firing->detail;
    detail["key"] = firing->advance.trigger_key;
    triggers.push_back(std::move(detail));
  }
  return json_text(nlohmann::json{{"reasons", reasons}, {"triggers", triggers}});
}

}  // namespace mlops
