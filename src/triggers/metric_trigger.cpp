// The metric trigger against the store: the readings of the source metric (metric_history of the
// source pipeline, that stage's values only), the sample counts of min_samples, the champion's
// evaluation value for degrades_by; then one step of the state machine (metric_state.cpp).
//
// What is recorded: the new state, and one row of trigger_evaluations with it, whenever the
// state changes; a new reading always changes it (the state keeps the newest reading's id). An
// evaluation that would leave the state as it is writes nothing, so a watch that looks every
// few seconds adds no rows while nothing happens.
#include <fmt/format.h>

#include <map>

#include "triggers/metric_trigger.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

Result<std::vector<MetricRecord>> stage_history(MetadataStore& store, const std::string& key,
                                                const MetricTriggerSpec& spec) {
  MLOPS_TRY(history, store.metric_history(key, spec.source_pipeline));
  std::vector<MetricRecord> out;
  for (auto& record : *history) {
    if (record.stage == spec.source_stage) {
      out.push_back(std::move(record));
    }
  }
  return out;
}

Result<std::vector<MetricReading>> read_readings(const MetricTriggerSpec& spec,
                                                 MetadataStore& store) {
  MLOPS_TRY(values, stage_history(store, spec.source_metric, spec));
  std::map<int64_t, double> samples;
  if (!spec.samples_metric.empty()) {
    MLOPS_TRY(counts, stage_history(store, spec.samples_metric, spec));
    for (const auto& record : *counts) {
      samples[record.execution_id] = record.value;
    }
  }
  std::vector<MetricReading> readings;
  for (const auto& record : *values) {
    MetricReading reading{record.execution_id, record.run_id, record.value, std::nullopt, {}};
    if (auto it = samples.find(record.execution_id); it != samples.end()) {
      reading.samples = it->second;
    }
    readings.push_back(std::move(reading));
  }
  std::sort(readings.begin(), readings.end(),
            [](const auto& a, const auto& b) { return a.execution_id < b.execution_id; });
  // The time of the newest usable reading decides staleness.
  for (auto it = readings.rbegin(); it != readings.rend(); ++it) {
    if (!metric_reading_usable(spec, *it)) {
      continue;
    }
    MLOPS_TRY(execution, store.find_execution(it->execution_id));
    if (*execution) {
      it->at = parse_utc_iso((*execution)->ended_at.value_or((*execution)->started_at));
    }
    break;
  }
  return readings;
}

// degrades_by: the `metric` value that the latest gate result of model@alias recorded.
Status read_baseline(const MetricCondition& condition, MetadataStore& store, MetricInputs& inputs) {
  MLOPS_TRY(version, store.resolve_alias(condition.model, condition.alias));
  if (!*version) {
    inputs.baseline_problem = fmt::format(
        "model '{}' has no version with alias '{}' (promote "
        "one with `mlops models promote`)",
        condition.model, condition.alias);
    return Status();
  }
  int64_t number = (*version)->version;
  inputs.baseline_source =
      fmt::format("{} v{} ({}) {}", condition.model, number, condition.alias, condition.metric);
  MLOPS_TRY(gate, store.latest_gate_result(condition.model, number));
  if (!*gate) {
    inputs.baseline_problem = fmt::format("{} v{} ({}) has no recorded evaluation (gate result)",
                                          condition.model, number, condition.alias);
    return Status();
  }
  auto metrics = nlohmann::json::parse((*gate)->metrics_json, nullptr, false);
  if (!metrics.is_object() || !metrics.contains(condition.metric) ||
      !metrics[condition.metric].is_number()) {
    inputs.baseline_problem =
        fmt::format("the evaluation of {} v{} ({}) recorded no number '{}'", condition.model,
                    number, condition.alias, condition.metric);
    return Status();
  }
  inputs.baseline = metrics[condition.metric].get<double>();
  return Status();
}

std::string firing_reason(const MetricTriggerSpec& spec, const MetricStep& step) {
  return fmt::format("metric: {}/{}: {}", spec.source_pipeline, spec.source_stage, step.decision);
}

}  // namespace

TriggerOutcome evaluate_metric(const MetricTriggerSpec& spec, const TriggerContext& context,
                               const std::optional<TriggerState>& state) {
  TriggerOutcome outcome;
  outcome.key = trigger_key(spec);
  MetricInputs inputs;
  auto readings = read_readings(spec, context.store);
  Status baseline = spec.condition.comparison == MetricBound::DegradesBy
                        ? read_baseline(spec.condition, context.store, inputs)
                        : Status();
  if (!readings.ok() || !baseline.ok()) {
    outcome.error = "metric: cannot read the store: " +
                    (readings.ok() ? baseline.error() : readings.error()).message();
    return outcome;
  }
  inputs.readings = std::move(*readings);
  MetricState before = state ? parse_metric_state(state->state_json) : MetricState{};
  MetricStep step = step_metric_trigger(spec, before, inputs, context.now);
  outcome.wake_at = step.wake_at;
  std::string after_json = metric_state_json(step.after);
  if (state && state->state_json == after_json) {
    outcome.notes.push_back("metric: " + step.decision);
    return outcome;
  }
  TriggerEvaluation evaluation{0,
                               context.pipeline,
                               outcome.key,
                               format_utc_iso(context.now),
                               metric_phase_name(before.phase),
                               metric_phase_name(step.after.phase),
                               json_text(step.detail),
                               std::nullopt};
  TriggerAdvance advance{context.pipeline, outcome.key,
                         state ? std::optional<std::string>(state->state_json) : std::nullopt,
                         after_json, std::move(evaluation)};
  if (!step.fire) {
    outcome.notes.push_back("metric: " + step.decision);
    outcome.quiet_advance = std::move(advance);
    return outcome;
  }
  Firing firing;
  firing.kind = "metric";
  firing.reason = firing_reason(spec, step);
  firing.detail = step.detail;
  firing.detail["kind"] = "metric";
  firing.advance = std::move(advance);
  outcome.firing = std::move(firing);
  return outcome;
}

}  // namespace mlops
