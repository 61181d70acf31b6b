// Evaluating one trigger: what it has seen (its state in the store) against what is there now.
//
// Evaluation only reads: it says whether the trigger fires, why (in words a user reads in a cron
// mail), and what state to write when the run it starts is recorded. The caller writes that
// state in the run's own transaction (MetadataStore::begin_run), so a trigger whose run was never
// recorded fires again next time, and one whose run was recorded never fires again for the same
// event (docs/triggers.md).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

using WallTime = std::chrono::system_clock::time_point;

struct TriggerContext {
  MetadataStore& store;
  std::string pipeline;             // the name of the pipeline the triggers belong to
  std::filesystem::path workspace;  // absolute
  WallTime now;                     // the schedule's clock (injectable for tests)
  WallTime files_now;               // the file system's clock, for data settling
  // The cache object holding the bytes with this digest, if there is one (the drift trigger's
  // reference by pipeline); empty: none can be found.
  std::function<std::optional<std::filesystem::path>(const std::string& digest)> cached_object;
};

// A trigger that fires.
struct Firing {
  std::string kind;  // git | data | schedule | artifact | drift | metric
  std::string
      reason;  // "git: 3 new commits on main touching src/train/model.py (a1b2c3d..d4e5f6a)"
  TriggerAdvance advance;
  nlohmann::json detail;  // recorded in the run's cause_detail
};

struct TriggerOutcome {
  std::string key;
  std::optional<Firing> firing;
  // State to write even though nothing runs: a first look (the commit or minute from which to
  // watch), or changes that concern no watched path.
  std::optional<TriggerAdvance> quiet_advance;
  std::vector<std::string> notes;  // what was seen that did not fire, and why
  std::optional<std::string> error;
  // When this trigger could next fire on its own (a schedule's next time, a file settling).
  std::optional<WallTime> wake_at;
  bool more_due = false;  // a catch-up schedule has further missed times to run
};

// The identity under which a trigger's state is kept: the same trigger keeps its state across
// edits of the rest of the file; a changed branch, path list or cron starts afresh.
std::string trigger_key(const GitTriggerSpec& spec);
std::string trigger_key(const DataTriggerSpec& spec);
std::string trigger_key(const ScheduleTriggerSpec& spec);
std::string trigger_key(const ArtifactTriggerSpec& spec);
std::string trigger_key(const DriftTriggerSpec& spec);
std::string trigger_key(const MetricTriggerSpec& spec);

TriggerOutcome evaluate_git(const GitTriggerSpec& spec, const TriggerContext& context,
                            const std::optional<TriggerState>& state);
TriggerOutcome evaluate_data(const DataTriggerSpec& spec, const TriggerContext& context,
                             const std::optional<TriggerState>& state);
TriggerOutcome evaluate_schedule(const ScheduleTriggerSpec& spec, const TriggerContext& context,
                                 const std::optional<TriggerState>& state);
TriggerOutcome evaluate_artifact(const ArtifactTriggerSpec& spec, const TriggerContext& context,
                                 const std::optional<TriggerState>& state);
TriggerOutcome evaluate_drift(const DriftTriggerSpec& spec, const TriggerContext& context,
                              const std::optional<TriggerState>& state);
// Also appends its evaluation to trigger_evaluations, with its advance (metric_trigger.hpp).
TriggerOutcome evaluate_metric(const MetricTriggerSpec& spec, const TriggerContext& context,
                               const std::optional<TriggerState>& state);

// "a.csv, b.csv, c.csv and 4 more".
std::string short_list(const std::vector<std::string>& items, size_t shown = 5);
// The first 7 hex digits of a commit or digest.
std::string short_id(const std::string& id);

}  // namespace mlops
