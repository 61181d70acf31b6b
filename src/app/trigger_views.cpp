#include "app/trigger_views.hpp"

#include <chrono>

#include "spec/trigger_parser.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

nlohmann::json optional_json(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json();
}

}  // namespace

Result<std::vector<ScheduleTimes>> next_schedule_times(const Pipeline& pipeline, WallTimePoint now,
                                                       int count) {
  auto start = std::chrono::floor<std::chrono::minutes>(now);
  std::vector<ScheduleTimes> result;
  for (const auto& spec : pipeline.triggers.schedule) {
    auto schedule = ZonedSchedule::make(spec.cron, spec.timezone);
    if (!schedule.ok()) {
      return Error(ErrorKind::InvalidSpec, schedule.error().message());
    }
    ScheduleTimes times{spec.cron, spec.timezone, catchup_name(spec.catchup), {}, false};
    SysMinutes from = start;
    for (int i = 0; i < count; ++i) {
      auto next = schedule->next_after(from);
      if (!next) {
        times.exhausted = true;
        break;
      }
      times.next.push_back(
          {format_utc_iso(std::chrono::time_point_cast<std::chrono::system_clock::duration>(*next)),
           schedule->describe(*next)});
      from = *next;
    }
    result.push_back(std::move(times));
  }
  return result;
}

nlohmann::json schedule_times_json(const std::string& pipeline,
                                   const std::vector<ScheduleTimes>& schedules) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& schedule : schedules) {
    nlohmann::json times = nlohmann::json::array();
    for (const auto& time : schedule.next) {
      times.push_back({{"utc", time.utc}, {"local", time.local}});
    }
    list.push_back({{"cron", schedule.cron},
                    {"timezone", schedule.timezone},
                    {"catchup", schedule.catchup},
                    {"next", times}});
  }
  return {{"pipeline", pipeline}, {"schedules", list}};
}

nlohmann::json trigger_explanation_json(const TriggerExplanation& explanation) {
  nlohmann::json triggers = nlohmann::json::array();
  for (const auto& line : explanation.triggers) {
    nlohmann::json state = nlohmann::json::parse(line.state_json, nullptr, false);
    nlohmann::json item = {{"kind", line.kind},
                           {"key", line.key},
                           {"updated_at", optional_json(line.updated_at)},
                           {"run_id", optional_json(line.run_id)},
                           {"stored", state.is_discarded() ? nlohmann::json() : state}};
    if (line.kind == "metric") {
      item["state"] = line.state.value_or("ARMED");
      item["now"] = line.now;
      item["would_fire"] = line.would_fire;
    }
    triggers.push_back(std::move(item));
  }
  nlohmann::json evaluations = nlohmann::json::array();
  for (const auto& evaluation : explanation.evaluations) {
    nlohmann::json detail = nlohmann::json::parse(evaluation.detail_json, nullptr, false);
    evaluations.push_back({{"at", evaluation.at},
                           {"trigger", evaluation.trigger_key},
                           {"before", evaluation.state_before},
                           {"after", evaluation.state_after},
                           {"run_id", optional_json(evaluation.run_id)},
                           {"detail", detail.is_discarded() ? nlohmann::json() : detail}});
  }
  return {{"pipeline", explanation.pipeline},
          {"triggers", triggers},
          {"evaluations", evaluations},
          {"errors", explanation.errors}};
}

}  // namespace mlops
