// What front ends show of a pipeline's triggers, beside app/trigger_explain.hpp: the next times
// of its schedule triggers (`mlops trigger next`) and the JSON forms of both answers, shared by
// the CLI's --json and the web UI's /api/pipelines pages (shapes in docs/triggers.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/trigger_explain.hpp"
#include "schedule/zoned_schedule.hpp"
#include "spec/pipeline.hpp"
#include "util/error.hpp"
#include "util/wall_clock.hpp"

namespace mlops {

struct ScheduleTime {
  std::string utc;    // ISO 8601, UTC
  std::string local;  // in the schedule's time zone, as ZonedSchedule::describe writes it
};

struct ScheduleTimes {
  std::string cron;
  std::string timezone;
  std::string catchup;
  std::vector<ScheduleTime> next;
  bool exhausted = false;  // no further time within eight years (fewer than asked)
};

// The next `count` times of each schedule trigger of `pipeline` after `now` (to the minute).
// InvalidSpec when a schedule's cron or time zone cannot be used (the message says which).
Result<std::vector<ScheduleTimes>> next_schedule_times(const Pipeline& pipeline, WallTimePoint now,
                                                       int count);

// `trigger next --json`: {"pipeline", "schedules": [{"cron", "timezone", "catchup",
// "next": [{"utc", "local"}]}]}.
nlohmann::json schedule_times_json(const std::string& pipeline,
                                   const std::vector<ScheduleTimes>& schedules);

// `trigger explain --json`: {"pipeline", "triggers": [{"kind", "key", "updated_at", "run_id",
// "stored", and for a metric trigger "state", "now", "would_fire"}], "evaluations", "errors"}.
nlohmann::json trigger_explanation_json(const TriggerExplanation& explanation);

}  // namespace mlops
