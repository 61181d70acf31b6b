#include "app/trigger_explain.hpp"

#include <map>

#include <fmt/format.h>

#include "app/workspace.hpp"
#include "triggers/metric_trigger.hpp"
#include "triggers/trigger.hpp"

namespace mlops {
namespace {}  // namespace

std::vector<std::pair<std::string, std::string>> trigger_keys(const TriggerSpecs& specs) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& spec : specs.metric)
    keys.emplace_back("metric", trigger_key(spec));
  for (const auto& spec : specs.git)
    keys.emplace_back("git", trigger_key(spec));
  for (const auto& spec : specs.data)
    keys.emplace_back("data", trigger_key(spec));
  for (const auto& spec : specs.schedule)
    keys.emplace_back("schedule", trigger_key(spec));
  for (const auto& spec : specs.artifact)
    keys.emplace_back("artifact", trigger_key(spec));
  for (const auto& spec : specs.drift)
    keys.emplace_back("drift", trigger_key(spec));
  return keys;
}

namespace {

// What each metric trigger would decide now, by key (nothing is written).
void evaluate_metric_triggers_now(const Pipeline& pipeline, MetadataStore& store, WallTime now,
                                  const std::map<std::string, TriggerState>& states,
                                  TriggerExplanation& explanation) {
  TriggerContext context{store, pipeline.name, pipeline.workspace, now, now, {}};
  for (const auto& spec : pipeline.triggers.metric) {
    std::string key = trigger_key(spec);
    auto found = states.find(key);
    std::optional<TriggerState> state;
    if (found != states.end())
      state = found->second;
    TriggerOutcome outcome = evaluate_metric(spec, context, state);
    for (auto& line : explanation.triggers) {
      if (line.key != key)
        continue;
      if (outcome.error) {
        explanation.errors.push_back(*outcome.error);
        line.now = *outcome.error;
      } else if (outcome.firing) {
        line.would_fire = true;
        line.now = outcome.firing->reason;
      } else if (!outcome.notes.empty()) {
        std::string note = outcome.notes.front();
        line.now = note.starts_with("metric: ") ? note.substr(8) : note;
      }
    }
  }
}

}  // namespace

Result<TriggerExplanation> explain_triggers(const Pipeline& pipeline,
                                            const std::optional<std::filesystem::path>& store,
                                            const WallClock& clock, int limit) {
  std::filesystem::path path = resolve_store_path(store, pipeline.workspace);
  if (!store_exists(path)) {
    return Error(ErrorKind::NotFound,
                 fmt::format("no metadata store at {}: the triggers of '{}' were never checked; "
                             "run `mlops trigger check` first (or pass --store)",
                             path.string(), pipeline.name));
  }
  MLOPS_TRY(opened, SqlStore::open(path.string()));
  SqlStore& db = **opened;
  MLOPS_TRY(stored, db.trigger_states(pipeline.name));
  std::map<std::string, TriggerState> states;
  for (auto& state : *stored)
    states.emplace(state.trigger_key, std::move(state));
  TriggerExplanation explanation;
  explanation.pipeline = pipeline.name;
  for (const auto& [kind, key] : trigger_keys(pipeline.triggers)) {
    TriggerStateLine line{kind, key, {}, {}, {}, "", "", false};
    if (auto it = states.find(key); it != states.end()) {
      line.updated_at = it->second.updated_at;
      line.run_id = it->second.run_id;
      line.state_json = it->second.state_json;
      if (kind == "metric")
        line.state = metric_phase_name(parse_metric_state(it->second.state_json).phase);
    }
    explanation.triggers.push_back(std::move(line));
  }
  evaluate_metric_triggers_now(pipeline, db, clock.now(), states, explanation);
  MLOPS_TRY(evaluations, db.trigger_evaluations(pipeline.name, limit));
  explanation.evaluations = std::move(*evaluations);
  return explanation;
}

}  // namespace mlops
