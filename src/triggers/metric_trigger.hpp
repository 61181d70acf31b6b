// The metric trigger's state machine (docs/triggers.md, "Metric"), as a pure function of the
// stored state, the readings and the time, so that it is tested on scripted metric series with
// an injected clock. evaluate_metric (trigger.hpp) gathers the readings and the baseline from the
// store and turns a step into a TriggerOutcome.
//
//   ARMED --breach--> PENDING(n) --n reaches `for`--> FIRING (the run is requested)
//   PENDING --healthy reading--> ARMED
//   FIRING --next evaluation--> COOLDOWN --cooldown elapsed and clear held once--> ARMED
//   any state --no fresh reading (stale_after, or none at all)--> NO_DATA --fresh reading--> ARMED
//
// Only new readings move ARMED and PENDING, so one reading evaluated twice counts once: the
// state keeps the execution id of the newest reading it has evaluated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/pipeline.hpp"
#include "triggers/trigger.hpp"

namespace mlops {

// One recorded value of the source metric by the source stage in a succeeded run.
struct MetricReading {
  int64_t execution_id = 0;  // identifies the reading; larger is newer
  std::string run_id;
  double value = 0;
  std::optional<double> samples;  // the min_samples metric of the same execution, if recorded
  std::optional<WallTime> at;     // when its execution ended (filled for the newest usable one)
};

// What an evaluation looks at besides the stored state.
struct MetricInputs {
  std::vector<MetricReading> readings;  // every reading, oldest first
  // degrades_by: the champion's evaluation value, or why there is none.
  std::optional<double> baseline;
  std::string baseline_source;   // "churn v3 (champion) auc"
  std::string baseline_problem;  // non-empty when there is no baseline
};

enum class MetricPhase { Armed, Pending, Firing, Cooldown, NoData };

// What is stored in trigger_state for a metric trigger (as JSON).
struct MetricState {
  MetricPhase phase = MetricPhase::Armed;
  int breaches = 0;                     // consecutive breaching readings (PENDING)
  std::optional<int64_t> last_reading;  // execution id of the newest reading evaluated
  std::optional<int64_t> fired_at_ms;   // the last firing, ms since the epoch
  bool cleared = false;                 // COOLDOWN: the clear condition has held once
};

// One evaluation.
struct MetricStep {
  MetricState after;
  bool fire = false;
  bool new_reading = false;
  std::string decision;   // "accuracy mean of the last 3 = 0.763 is below 0.8: breach 1 of 2"
  nlohmann::json detail;  // readings used and ignored, aggregate, threshold, baseline, decision
  std::optional<WallTime> wake_at;  // when time alone could change the state (cooldown, stale)
};

MetricStep step_metric_trigger(const MetricTriggerSpec& spec, const MetricState& before,
                               const MetricInputs& inputs, WallTime now);

// Whether min_samples lets a reading count; when not, `why` says so ("rows 120 < 500").
bool metric_reading_usable(const MetricTriggerSpec& spec, const MetricReading& reading,
                           std::string* why = nullptr);

const char* metric_phase_name(MetricPhase phase);  // ARMED, PENDING, FIRING, COOLDOWN, NO_DATA
std::string metric_state_json(const MetricState& state);
// The state stored as JSON; ARMED with nothing seen when absent or unreadable.
MetricState parse_metric_state(const std::string& json);
// "below 0.8", "above 0.2", "degrades by 0.05 (relative) vs churn@champion auc".
std::string describe_condition(const MetricCondition& condition);

}  // namespace mlops
