// The schedule trigger: fires for cron times that came due since the last one handled, as its
// `catchup` says (docs/triggers.md):
//   none    only a time seen within k_on_time of when it came due; older ones are skipped
//   latest  one run for the most recent due time; earlier missed ones are skipped
//   all     one run per due time, oldest first
#include <fmt/format.h>

#include "schedule/zoned_schedule.hpp"
#include "spec/trigger_parser.hpp"
#include "triggers/trigger.hpp"
#include "util/json_text.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

constexpr std::chrono::minutes k_on_time{5};
constexpr size_t k_max_due_times = 100000;

std::string iso_minute(SysMinutes time) {
  return format_utc_iso(std::chrono::time_point_cast<std::chrono::system_clock::duration>(time));
}

}  // namespace

TriggerOutcome evaluate_schedule(const ScheduleTriggerSpec& spec, const TriggerContext& context,
                                 const std::optional<TriggerState>& state) {
  TriggerOutcome outcome;
  outcome.key = trigger_key(spec);
  auto schedule = ZonedSchedule::make(spec.cron, spec.timezone);
  if (!schedule.ok()) {
    outcome.error = "schedule: " + schedule.error().message();
    return outcome;
  }
  SysMinutes now = std::chrono::floor<std::chrono::minutes>(context.now);
  // With no state yet, the current minute still counts: a first check at 03:00:20 runs the
  // 03:00 job.
  SysMinutes last = now - std::chrono::minutes(1);
  TriggerAdvance advance{context.pipeline, outcome.key, std::nullopt, ""};
  if (state) {
    advance.expected = state->state_json;
    auto seen = nlohmann::json::parse(state->state_json, nullptr, false);
    if (seen.is_object() && seen.contains("last") && seen["last"].is_string()) {
      if (auto parsed = parse_utc_iso(seen["last"].get<std::string>())) {
        last = std::chrono::floor<std::chrono::minutes>(*parsed);
      }
    }
  }
  std::vector<SysMinutes> due;
  for (auto next = schedule->next_after(last); next && *next <= now;
       next = schedule->next_after(*next)) {
    due.push_back(*next);
    if (due.size() >= k_max_due_times) {
      break;
    }
  }
  if (auto next = schedule->next_after(now)) {
    outcome.wake_at = *next;
  }
  if (due.empty()) {
    if (!state) {
      advance.state_json = json_text(nlohmann::json{{"last", iso_minute(last)}});
      outcome.quiet_advance = advance;
    }
    return outcome;
  }
  const char* catchup = catchup_name(spec.catchup);
  SysMinutes fire_at = spec.catchup == Catchup::All ? due.front() : due.back();
  advance.state_json = json_text(nlohmann::json{{"last", iso_minute(fire_at)}});
  if (spec.catchup == Catchup::None && now - due.back() > k_on_time) {
    outcome.notes.push_back(fmt::format(
        "schedule: {} due time{} missed while nothing was "
        "checking (latest {}); skipped (catchup none)",
        due.size(), due.size() == 1 ? " was" : "s were", schedule->describe(due.back())));
    outcome.quiet_advance = advance;
    return outcome;
  }
  Firing firing;
  firing.kind = "schedule";
  firing.advance = advance;
  std::string skipped;
  if (spec.catchup == Catchup::All && due.size() > 1) {
    skipped = fmt::format("; {} more due after it", due.size() - 1);
    outcome.more_due = true;
  } else if (spec.catchup != Catchup::All && due.size() > 1) {
    skipped = fmt::format("; {} earlier missed time{} skipped", due.size() - 1,
                          due.size() == 2 ? "" : "s");
  }
  firing.reason = fmt::format("schedule: {} was due ({}, catchup {}{})",
                              schedule->describe(fire_at), spec.cron, catchup, skipped);
  firing.detail = {{"kind", "schedule"},
                   {"cron", spec.cron},
                   {"timezone", spec.timezone},
                   {"due", iso_minute(fire_at)}};
  outcome.firing = std::move(firing);
  return outcome;
}

}  // namespace mlops
