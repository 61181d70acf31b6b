// The metric trigger's state machine (metric_trigger.hpp): pure, no store, no clock of its own.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "triggers/metric_trigger.hpp"
#include "util/duration.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

constexpr size_t k_max_ignored_shown = 20;

int64_t epoch_ms(WallTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

WallTime from_epoch_ms(int64_t ms) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

const char* aggregate_name(MetricAggregate aggregate) {
  switch (aggregate) {
    case MetricAggregate::Mean:
      return "mean";
    case MetricAggregate::Min:
      return "min";
    case MetricAggregate::Max:
      return "max";
    case MetricAggregate::Median:
      return "median";
    case MetricAggregate::Last:
      return "last";
  }
  return "last";
}

double aggregate_of(MetricAggregate aggregate, std::vector<double> values) {
  switch (aggregate) {
    case MetricAggregate::Mean: {
      double sum = 0;
      for (double v : values)
        sum += v;
      return sum / static_cast<double>(values.size());
    }
    case MetricAggregate::Min:
      return *std::min_element(values.begin(), values.end());
    case MetricAggregate::Max:
      return *std::max_element(values.begin(), values.end());
    case MetricAggregate::Median: {
      std::sort(values.begin(), values.end());
      size_t mid = values.size() / 2;
      return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
    case MetricAggregate::Last:
      return values.back();
  }
  return values.back();
}

// The readings an evaluation looks at.
struct Window {
  std::vector<MetricReading> usable;  // after min_samples, oldest first
  std::vector<MetricReading> used;    // the newest `window` of them (all when fewer)
  nlohmann::json ignored = nlohmann::json::array();
  size_t ignored_count = 0;
  std::optional<double> aggregate;  // when there are `window` usable readings
};

Window window_of(const MetricTriggerSpec& spec, const std::vector<MetricReading>& readings) {
  Window window;
  std::vector<std::pair<const MetricReading*, std::string>> ignored;
  for (const auto& reading : readings) {
    std::string why;
    if (metric_reading_usable(spec, reading, &why)) {
      window.usable.push_back(reading);
    } else {
      ignored.emplace_back(&reading, why);
    }
  }
  size_t take = std::min(window.usable.size(), static_cast<size_t>(spec.window));
  window.used.assign(window.usable.end() - static_cast<long>(take), window.usable.end());
  // The ignored readings worth showing: those newer than the oldest reading used, newest last.
  int64_t since = window.used.empty() ? 0 : window.used.front().execution_id;
  for (const auto& [reading, why] : ignored) {
    if (reading->execution_id > since) {
      ++window.ignored_count;
      window.ignored.push_back({{"run", reading->run_id}, {"value", reading->value}, {"why", why}});
    }
  }
  if (window.ignored.size() > k_max_ignored_shown) {
    window.ignored.erase(window.ignored.begin(),
                         window.ignored.end() - static_cast<long>(k_max_ignored_shown));
  }
  if (window.used.size() == static_cast<size_t>(spec.window)) {
    std::vector<double> values;
    for (const auto& reading : window.used)
      values.push_back(reading.value);
    window.aggregate = aggregate_of(spec.aggregate, values);
  }
  return window;
}

// The aggregate against the condition and the clear bound; nothing where it cannot be decided.
struct Judgement {
  std::optional<bool> breach;
  std::optional<bool> clear;
  std::string text;  // "accuracy mean of the last 3 = 0.763 is below 0.8"
};

Judgement judge(const MetricTriggerSpec& spec, const MetricInputs& inputs, const Window& window,
                nlohmann::json& detail) {
  Judgement judgement;
  const MetricCondition& condition = spec.condition;
  std::string what = spec.window == 1 ? fmt::format("{} (latest)", spec.source_metric)
                                      : fmt::format("{} {} of the last {}", spec.source_metric,
                                                    aggregate_name(spec.aggregate), spec.window);
  if (!window.aggregate) {
    judgement.text = fmt::format(
        "waiting for {} reading{} of {} (have {}{})", spec.window, spec.window == 1 ? "" : "s",
        spec.source_metric, window.usable.size(),
        window.ignored_count ? fmt::format("; {} ignored by min_samples", window.ignored_count)
                             : "");
    return judgement;
  }
  double value = *window.aggregate;
  detail["aggregate"] = value;
  std::optional<double> degradation;  // degrades_by: how much worse than the baseline
  if (condition.comparison == MetricBound::DegradesBy) {
    if (!inputs.baseline) {
      judgement.text = fmt::format("{} = {:.4g}, but there is no baseline: {}", what, value,
                                   inputs.baseline_problem);
      return judgement;
    }
    double base = *inputs.baseline;
    detail["baseline"] = base;
    detail["baseline_source"] = inputs.baseline_source;
    if (condition.relative && base == 0) {
      judgement.text = fmt::format(
          "{} = {:.4g}, but the baseline ({}) is 0: a relative change "
          "from 0 is undefined (use relative: false)",
          what, value, inputs.baseline_source);
      return judgement;
    }
    double worse = condition.lower_is_better ? value - base : base - value;
    degradation = condition.relative ? worse / std::fabs(base) : worse;
    detail["degradation"] = *degradation;
    // With the gates' tolerance, so that 0.15 - 0.10 counts as the 0.05 it is written as.
    double tolerance = 1e-9 * std::max({1.0, std::fabs(base), std::fabs(value)});
    judgement.breach = *degradation >= condition.value - tolerance;
    judgement.text = fmt::format(
        "{} = {:.4g} vs baseline {:.4g} ({}): degraded by {:.4g}{} {} {:g}", what, value, base,
        inputs.baseline_source, *degradation, condition.relative ? " (relative)" : "",
        *judgement.breach ? ">=" : "<", condition.value);
  } else {
    bool below = condition.comparison == MetricBound::Below;
    judgement.breach = below ? value < condition.value : value > condition.value;
    judgement.text =
        fmt::format("{} = {:.4g} is {}{} {:g}", what, value, *judgement.breach ? "" : "not ",
                    below ? "below" : "above", condition.value);
  }
  detail["threshold"] = condition.value;
  if (spec.clear) {
    judgement.clear = spec.clear->comparison == MetricBound::Above ? value > spec.clear->value
                                                                   : value < spec.clear->value;
  } else {
    judgement.clear = !*judgement.breach;
  }
  return judgement;
}

nlohmann::json readings_json(const std::vector<MetricReading>& readings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& reading : readings) {
    out.push_back(
        {{"run", reading.run_id}, {"execution", reading.execution_id}, {"value", reading.value}});
  }
  return out;
}

// Everything an evaluation step works with.
struct StepContext {
  const MetricTriggerSpec& spec;
  const MetricState& before;
  WallTime now;
  Window window;
  Judgement judgement;
  MetricStep step;
};

std::string clear_text(const MetricTriggerSpec& spec) {
  if (!spec.clear) {
    return "the condition no longer holds";
  }
  return fmt::format("{} {:g}", spec.clear->comparison == MetricBound::Above ? "above" : "below",
                     spec.clear->value);
}

// COOLDOWN (and FIRING, which the next evaluation always leaves): back to ARMED once the cooldown
// has elapsed and the clear condition has held once.
void step_cooldown(StepContext& ctx) {
  MetricState& after = ctx.step.after;
  after.phase = MetricPhase::Cooldown;
  after.cleared = ctx.before.cleared || ctx.judgement.clear.value_or(false);
  int64_t until = ctx.before.fired_at_ms.value_or(0) + ctx.spec.cooldown.count();
  bool elapsed = epoch_ms(ctx.now) >= until;
  if (elapsed && after.cleared) {
    after = MetricState{MetricPhase::Armed, 0, after.last_reading, after.fired_at_ms, false};
    ctx.step.decision = fmt::format("{}; cooldown over and clear ({}) has held: armed again",
                                    ctx.judgement.text, clear_text(ctx.spec));
    return;
  }
  std::vector<std::string> waiting;
  if (!elapsed) {
    waiting.push_back(fmt::format("cooldown until {}", format_utc_iso(from_epoch_ms(until))));
    if (after.cleared)
      ctx.step.wake_at = from_epoch_ms(until);
  }
  if (!after.cleared) {
    waiting.push_back(fmt::format("clear ({}) has not held yet", clear_text(ctx.spec)));
  }
  ctx.step.decision = fmt::format("{}; in cooldown: {}", ctx.judgement.text, join(waiting, "; "));
}

// A breach that reaches `for`: fire, unless the last firing is within the cooldown.
void reach_for(StepContext& ctx) {
  MetricState& after = ctx.step.after;
  int64_t now_ms = epoch_ms(ctx.now);
  if (ctx.before.fired_at_ms && now_ms < *ctx.before.fired_at_ms + ctx.spec.cooldown.count()) {
    WallTime until = from_epoch_ms(*ctx.before.fired_at_ms + ctx.spec.cooldown.count());
    after.phase = MetricPhase::Pending;
    after.breaches = ctx.spec.consecutive;
    ctx.step.wake_at = until;
    ctx.step.decision = fmt::format(
        "{}: breach {} of {}, but the last firing was less than {} "
        "ago; fires at {} if still breaching",
        ctx.judgement.text, ctx.spec.consecutive, ctx.spec.consecutive,
        format_duration(ctx.spec.cooldown), format_utc_iso(until));
    return;
  }
  after = MetricState{MetricPhase::Firing, 0, after.last_reading, now_ms, false};
  ctx.step.fire = true;
  ctx.step.decision = fmt::format("{}: breach {} of {}: firing", ctx.judgement.text,
                                  ctx.spec.consecutive, ctx.spec.consecutive);
}

// ARMED and PENDING: only a new reading moves them (and a breach held back by the cooldown).
void step_armed(StepContext& ctx, bool from_no_data) {
  MetricState& after = ctx.step.after;
  const Judgement& judgement = ctx.judgement;
  if (from_no_data) {
    after.phase = MetricPhase::Armed;
    after.breaches = 0;
  }
  if (!ctx.step.new_reading) {
    if (after.phase == MetricPhase::Pending && after.breaches >= ctx.spec.consecutive) {
      reach_for(ctx);
      return;
    }
    const Window& window = ctx.window;
    std::string ignored =
        window.ignored.empty()
            ? ""
            : fmt::format(" ({} newer reading{} ignored: {})", window.ignored_count,
                          window.ignored_count == 1 ? "" : "s",
                          window.ignored.back()["why"].get<std::string>());
    ctx.step.decision = fmt::format("no new usable reading since run {}{}: {}: stays {}",
                                    window.usable.back().run_id, ignored, judgement.text,
                                    metric_phase_name(after.phase));
    return;
  }
  if (!judgement.breach) {
    ctx.step.decision =
        fmt::format("{}: no decision, stays {}", judgement.text, metric_phase_name(after.phase));
  } else if (*judgement.breach) {
    after.breaches = ctx.before.phase == MetricPhase::Pending ? ctx.before.breaches + 1 : 1;
    if (after.breaches >= ctx.spec.consecutive) {
      reach_for(ctx);
      return;
    }
    after.phase = MetricPhase::Pending;
    ctx.step.decision = fmt::format("{}: breach {} of {} (for: {})", judgement.text, after.breaches,
                                    ctx.spec.consecutive, ctx.spec.consecutive);
  } else {
    after.phase = MetricPhase::Armed;
    after.breaches = 0;
    ctx.step.decision = judgement.text + ": armed";
  }
}

// NO_DATA: no usable reading, or the newest is older than stale_after. Never fires.
bool step_stale(StepContext& ctx) {
  const auto& usable = ctx.window.usable;
  const MetricTriggerSpec& spec = ctx.spec;
  std::string why;
  if (usable.empty()) {
    why = fmt::format("no {}reading of {} by stage {} of {} yet",
                      spec.samples_metric.empty() ? "" : "usable ", spec.source_metric,
                      spec.source_stage, spec.source_pipeline);
  } else if (spec.stale_after && usable.back().at) {
    WallTime stale_at = *usable.back().at + *spec.stale_after;
    if (ctx.now < stale_at) {
      ctx.step.wake_at = stale_at;
      return false;
    }
    why = fmt::format("the newest reading (run {}, {}) is older than stale_after {}",
                      usable.back().run_id, format_utc_iso(*usable.back().at),
                      format_duration(*spec.stale_after));
  } else {
    return false;
  }
  MetricState& after = ctx.step.after;
  after.phase = MetricPhase::NoData;
  after.breaches = 0;
  after.cleared = false;
  ctx.step.decision = why + ": NO_DATA (never fires by itself)";
  return true;
}

}  // namespace

bool metric_reading_usable(const MetricTriggerSpec& spec, const MetricReading& reading,
                           std::string* why) {
  if (spec.samples_metric.empty()) {
    return true;
  }
  if (!reading.samples) {
    if (why)
      *why = fmt::format("no {} recorded", spec.samples_metric);
    return false;
  }
  if (*reading.samples < spec.samples_at_least) {
    if (why)
      *why = fmt::format("{} {:g} < {:g}", spec.samples_metric, *reading.samples,
                         spec.samples_at_least);
    return false;
  }
  return true;
}

MetricStep step_metric_trigger(const MetricTriggerSpec& spec, const MetricState& before,
                               const MetricInputs& inputs, WallTime now) {
  StepContext ctx{spec, before, now, window_of(spec, inputs.readings), {}, {}};
  MetricStep& step = ctx.step;
  step.detail = {{"readings", readings_json(ctx.window.used)},      {"ignored", ctx.window.ignored},
                 {"agg", aggregate_name(spec.aggregate)},           {"window", spec.window},
                 {"condition", describe_condition(spec.condition)}, {"for", spec.consecutive}};
  step.after = before;
  if (!ctx.window.usable.empty()) {
    int64_t newest = ctx.window.usable.back().execution_id;
    step.new_reading = !before.last_reading || newest > *before.last_reading;
    step.after.last_reading = std::max(newest, before.last_reading.value_or(newest));
  }
  ctx.judgement = judge(spec, inputs, ctx.window, step.detail);
  if (!step_stale(ctx)) {
    switch (before.phase) {
      case MetricPhase::Firing:
      case MetricPhase::Cooldown:
        step_cooldown(ctx);
        break;
      case MetricPhase::NoData:
        step_armed(ctx, true);
        break;
      case MetricPhase::Armed:
      case MetricPhase::Pending:
        step_armed(ctx, false);
        break;
    }
  }
  step.detail["new_reading"] = step.new_reading;
  step.detail["breaches"] = step.after.breaches;
  step.detail["decision"] = step.decision;
  return step;
}

const char* metric_phase_name(MetricPhase phase) {
  switch (phase) {
    case MetricPhase::Armed:
      return "ARMED";
    case MetricPhase::Pending:
      return "PENDING";
    case MetricPhase::Firing:
      return "FIRING";
    case MetricPhase::Cooldown:
      return "COOLDOWN";
    case MetricPhase::NoData:
      return "NO_DATA";
  }
  return "ARMED";
}

std::string metric_state_json(const MetricState& state) {
  nlohmann::json json = {{"state", metric_phase_name(state.phase)},
                         {"breaches", state.breaches},
                         {"cleared", state.cleared}};
  if (state.last_reading)
    json["last_reading"] = *state.last_reading;
  if (state.fired_at_ms)
    json["fired_at_ms"] = *state.fired_at_ms;
  return json_text(json);
}

MetricState parse_metric_state(const std::string& text) {
  MetricState state;
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) {
    return state;
  }
  for (MetricPhase phase : {MetricPhase::Armed, MetricPhase::Pending, MetricPhase::Firing,
                            MetricPhase::Cooldown, MetricPhase::NoData}) {
    if (json.value("state", "") == metric_phase_name(phase))
      state.phase = phase;
  }
  if (json.contains("breaches") && json["breaches"].is_number_integer())
    state.breaches = json["breaches"].get<int>();
  if (json.contains("last_reading") && json["last_reading"].is_number_integer())
    state.last_reading = json["last_reading"].get<int64_t>();
  if (json.contains("fired_at_ms") && json["fired_at_ms"].is_number_integer())
    state.fired_at_ms = json["fired_at_ms"].get<int64_t>();
  state.cleared = json.value("cleared", false);
  return state;
}

std::string describe_condition(const MetricCondition& condition) {
  switch (condition.comparison) {
    case MetricBound::Below:
      return fmt::format("below {:g}", condition.value);
    case MetricBound::Above:
      return fmt::format("above {:g}", condition.value);
    case MetricBound::DegradesBy:
      break;
  }
  return fmt::format("degrades by {:g}{} vs {}@{} {}{}", condition.value,
                     condition.relative ? " (relative)" : "", condition.model, condition.alias,
                     condition.metric, condition.lower_is_better ? " (lower is better)" : "");
}

}  // namespace mlops
