// The metric trigger (docs/triggers.md, "Metric"):
//
//   metric:
//     source: {pipeline: churn-monitoring, stage: score, metric: accuracy}
//     condition: {below: 0.80}   # or {above: X}, or {degrades_by: X, model: M, alias: A, ...}
//     window: {last: 3, agg: mean}
//     min_samples: {metric: rows, at_least: 500}
//     for: 2
//     clear: {above: 0.85}
//     cooldown: 24h
//     stale_after: 48h
#include "spec/metric_trigger_parser.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "spec/gate_parser.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_metric_keys = {"source", "condition", "window",   "min_samples",
                                                "for",    "clear",     "cooldown", "stale_after"};
const std::vector<std::string> k_condition_keys = {"below", "above",  "degrades_by", "model",
                                                   "alias", "metric", "relative",    "direction"};
const std::vector<std::string> k_aggregates = {"mean", "min", "max", "median", "last"};

// A nested mapping of the trigger, or a diagnostic. `example` shows the expected shape.
bool expect_map(const YamlNode& value, std::string_view key, std::string_view example,
                SectionReader& reader) {
  if (value.is_map()) {
    return true;
  }
  reader.diagnostics().error(
      value.mark, fmt::format("'{}'{} must be a mapping such as {}, not {}", key, reader.context(),
                              example, value.describe()));
  return false;
}

std::optional<int> whole_number_at_least(const YamlNode& value, std::string_view key, int least,
                                         SectionReader& reader) {
  int parsed = 0;
  const std::string& text = value.text;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (!value.is_scalar() || value.type != ScalarType::Int || error != std::errc() ||
      end != text.data() + text.size()) {
    reader.type_error(value, key, fmt::format("a whole number >= {}", least));
    return std::nullopt;
  }
  if (parsed < least) {
    reader.diagnostics().error(value.mark, fmt::format("'{}'{} must be a whole number >= {}, not "
                                                       "{}",
                                                       key, reader.context(), least, parsed));
    return std::nullopt;
  }
  return parsed;
}

std::optional<Milliseconds> non_negative_duration(const YamlNode& value, std::string_view key,
                                                  SectionReader& reader) {
  if (value.is_scalar() && value.type == ScalarType::String && value.text.starts_with("-")) {
    reader.diagnostics().error(value.mark, fmt::format("'{}'{} must not be negative: '{}' (write "
                                                       "a duration such as 24h)",
                                                       key, reader.context(), value.text));
    return std::nullopt;
  }
  auto duration = reader.duration(value, key);
  return duration ? std::optional<Milliseconds>(duration->value) : std::nullopt;
}

void parse_source(const YamlNode& value, SectionReader& reader, MetricTriggerSpec& spec) {
  const char* example = "{pipeline: churn-monitoring, stage: score, metric: accuracy}";
  if (!expect_map(value, "source", example, reader)) {
    return;
  }
  for (const auto& [key, item] : value.entries) {
    std::string* field = key.text == "pipeline" ? &spec.source_pipeline
                         : key.text == "stage"  ? &spec.source_stage
                         : key.text == "metric" ? &spec.source_metric
                                                : nullptr;
    if (!field) {
      reader.unknown_key(key, {"pipeline", "stage", "metric"});
    } else if (auto text = reader.string(item, key.text)) {
      *field = text->value;
      if (key.text == "pipeline" && !is_valid_pipeline_name(text->value)) {
        reader.diagnostics().error(item.mark,
                                   fmt::format("'{}' is not a valid pipeline name", text->value));
      }
    }
  }
  std::vector<std::string> missing;
  for (auto [name, field] :
       {std::pair{"pipeline", &spec.source_pipeline}, std::pair{"stage", &spec.source_stage},
        std::pair{"metric", &spec.source_metric}}) {
    if (field->empty()) {
      missing.push_back(name);
    }
  }
  if (!missing.empty()) {
    reader.diagnostics().error(
        value.mark,
        fmt::format("'source'{} needs {} (missing: {}); write source: {}", reader.context(),
                    "'pipeline', 'stage' and 'metric'", join(missing, ", "), example));
  }
}

// One key of `condition`; returns whether it was one of below, above and degrades_by.
bool parse_condition_entry(const YamlNode& key, const YamlNode& item, SectionReader& reader,
                           MetricCondition& condition) {
  const std::string& k = key.text;
  if (k == "below" || k == "above" || k == "degrades_by") {
    condition.comparison = k == "below"   ? MetricBound::Below
                           : k == "above" ? MetricBound::Above
                                          : MetricBound::DegradesBy;
    if (auto value_read = mlops::number(item, k, reader)) {
      condition.value = *value_read;
      if (k == "degrades_by" && *value_read < 0) {
        reader.diagnostics().error(item.mark,
                                   fmt::format("'degrades_by'{} must be >= 0 (how much worse than "
                                               "the baseline breaches), not {}",
                                               reader.context(), item.text));
      }
    }
    return true;
  }
  if (k == "model" || k == "alias" || k == "metric") {
    auto text = reader.string(item, k);
    bool name = k == "model" || k == "alias";
    if (text && name &&
        (!is_valid_model_name(text->value) || (k == "alias" && is_version_selector(text->value)))) {
      reader.diagnostics().error(
          item.mark,
          fmt::format("'{}' is not a valid {} name{} (letters, digits, _ . "
                      "-, at most 64{})",
                      text->value, k, reader.context(), k == "alias" ? "; not v<number>" : ""));
    }
    if (text) {  // kept when invalid too: "needs 'model'" would be a second error for one slip
      (k == "model"   ? condition.model
       : k == "alias" ? condition.alias
                      : condition.metric) = text->value;
    }
  } else if (k == "direction") {
    auto text = reader.string(item, k);
    if (text && text->value != "higher" && text->value != "lower") {
      reader.diagnostics().error(item.mark, fmt::format("'direction'{} must be higher or lower "
                                                        "(which way the metric is better), not "
                                                        "'{}'",
                                                        reader.context(), text->value));
    } else if (text) {
      condition.lower_is_better = text->value == "lower";
    }
  } else if (k == "relative") {
    if (!item.is_scalar() || item.type != ScalarType::Bool) {
      reader.type_error(item, k, "true or false");
    } else {
      condition.relative = item.text == "true" || item.text == "True" || item.text == "TRUE";
    }
  } else {
    reader.unknown_key(key, k_condition_keys);
  }
  return false;
}

void parse_condition(const YamlNode& value, SectionReader& reader, MetricTriggerSpec& spec) {
  if (!expect_map(value, "condition", "{below: 0.8}", reader)) {
    return;
  }
  MetricCondition& condition = spec.condition;
  std::vector<std::string> comparisons;
  const YamlNode* baseline_key = nullptr;
  for (const auto& [key, item] : value.entries) {
    if (parse_condition_entry(key, item, reader, condition)) {
      comparisons.push_back(key.text);
    } else if (key.text == "model" || key.text == "alias" || key.text == "metric" ||
               key.text == "relative" || key.text == "direction") {
      baseline_key = baseline_key ? baseline_key : &key;
    }
  }
  Diagnostics& diagnostics = reader.diagnostics();
  if (comparisons.size() != 1) {
    diagnostics.error(value.mark,
                      fmt::format("'condition'{} needs exactly one of below, above "
                                  "and degrades_by{}",
                                  reader.context(),
                                  comparisons.empty() ? std::string(", such as {below: 0.8}")
                                                      : ", not " + join(comparisons, " and ")));
    return;
  }
  bool degrades = condition.comparison == MetricBound::DegradesBy;
  if (degrades && condition.model.empty()) {
    diagnostics.error(value.mark, fmt::format("'degrades_by'{} needs 'model' (the registered "
                                              "model whose champion is the baseline), such as "
                                              "{{degrades_by: 0.05, model: churn}}",
                                              reader.context()));
  }
  if (!degrades && baseline_key) {
    diagnostics.error(baseline_key->mark, fmt::format("'{}'{} belongs to degrades_by; remove it "
                                                      "or use {{degrades_by: X, model: M}}",
                                                      baseline_key->text, reader.context()));
  }
}

void parse_window(const YamlNode& value, SectionReader& reader, MetricTriggerSpec& spec) {
  if (!expect_map(value, "window", "{last: 3, agg: mean}", reader)) {
    return;
  }
  for (const auto& [key, item] : value.entries) {
    if (key.text == "last") {
      if (auto last = whole_number_at_least(item, "last", 1, reader)) {
        spec.window = *last;
      }
    } else if (key.text == "agg") {
      auto text = reader.string(item, "agg");
      if (!text) {
        continue;
      }
      auto found = std::find(k_aggregates.begin(), k_aggregates.end(), text->value);
      if (found == k_aggregates.end()) {
        reader.diagnostics().error(
            item.mark, fmt::format("unknown agg '{}'{}; use mean, min, max, "
                                   "median or last",
                                   text->value, did_you_mean(text->value, k_aggregates)));
        continue;
      }
      spec.aggregate = static_cast<MetricAggregate>(found - k_aggregates.begin());
    } else {
      reader.unknown_key(key, {"last", "agg"});
    }
  }
}

void parse_min_samples(const YamlNode& value, SectionReader& reader, MetricTriggerSpec& spec) {
  const char* example = "{metric: rows, at_least: 500}";
  if (!expect_map(value, "min_samples", example, reader)) {
    return;
  }
  bool has_at_least = false;
  for (const auto& [key, item] : value.entries) {
    if (key.text == "metric") {
      if (auto text = reader.string(item, "metric")) {
        spec.samples_metric = text->value;
      }
    } else if (key.text == "at_least") {
      has_at_least = true;
      if (auto value_read = mlops::number(item, "at_least", reader)) {
        spec.samples_at_least = *value_read;
      }
    } else {
      reader.unknown_key(key, {"metric", "at_least"});
    }
  }
  if (spec.samples_metric.empty() || !has_at_least) {
    reader.diagnostics().error(value.mark, fmt::format("'min_samples'{} needs 'metric' (the "
                                                       "sample count the same stage records) and "
                                                       "'at_least', such as {}",
                                                       reader.context(), example));
  }
}

void parse_clear(const YamlNode& value, SectionReader& reader, MetricTriggerSpec& spec) {
  if (!expect_map(value, "clear", "{above: 0.85}", reader)) {
    return;
  }
  if (value.entries.size() != 1) {
    reader.diagnostics().error(value.mark, fmt::format("'clear'{} takes exactly one of above and "
                                                       "below, such as {{above: 0.85}}",
                                                       reader.context()));
    return;
  }
  const auto& [key, item] = value.entries.front();
  if (key.text != "above" && key.text != "below") {
    reader.unknown_key(key, {"above", "below"});
    return;
  }
  if (auto value_read = mlops::number(item, key.text, reader)) {
    spec.clear = MetricClear{key.text == "above" ? MetricBound::Above : MetricBound::Below,
                             *value_read, value.mark};
  }
}

void parse_metric_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                        MetricTriggerSpec& spec) {
  const std::string& k = key.text;
  if (k == "source") {
    parse_source(value, reader, spec);
  } else if (k == "condition") {
    parse_condition(value, reader, spec);
  } else if (k == "window") {
    parse_window(value, reader, spec);
  } else if (k == "min_samples") {
    parse_min_samples(value, reader, spec);
  } else if (k == "for") {
    if (auto n = whole_number_at_least(value, "for", 1, reader)) {
      spec.consecutive = *n;
    }
  } else if (k == "clear") {
    parse_clear(value, reader, spec);
  } else if (k == "cooldown") {
    spec.cooldown = non_negative_duration(value, k, reader).value_or(Milliseconds(0));
  } else if (k == "stale_after") {
    spec.stale_after = non_negative_duration(value, k, reader);
  } else {
    reader.unknown_key(key, k_metric_keys);
  }
}

// A clear bound must lie on the healthy side of the condition, or the trigger would re-arm
// while still breaching.
void check_clear(SectionReader& reader, const MetricTriggerSpec& spec) {
  if (!spec.clear || spec.condition.comparison == MetricBound::DegradesBy) {
    return;
  }
  const MetricClear& clear = *spec.clear;
  bool below = spec.condition.comparison == MetricBound::Below;
  bool healthy_side =
      below ? clear.comparison == MetricBound::Above && clear.value >= spec.condition.value
            : clear.comparison == MetricBound::Below && clear.value <= spec.condition.value;
  if (!healthy_side) {
    reader.diagnostics().error(
        clear.mark,
        fmt::format("'clear'{} must be on the healthy side of the condition: with "
                    "{{{}: {:g}}} write {{{}: X}} with X {} {:g}",
                    reader.context(), below ? "below" : "above", spec.condition.value,
                    below ? "above" : "below", below ? ">=" : "<=", spec.condition.value));
  }
}

}  // namespace

void parse_metric_trigger(const YamlNode& body, SectionReader& reader, TriggerSpecs& out) {
  MetricTriggerSpec spec;
  spec.mark = body.mark;
  bool has_source = false;
  bool has_condition = false;
  for (const auto& [key, value] : body.entries) {
    has_source = has_source || key.text == "source";
    has_condition = has_condition || key.text == "condition";
    parse_metric_entry(key, value, reader, spec);
  }
  if (!has_source || !has_condition) {
    reader.diagnostics().error(body.mark,
                               "the metric trigger needs 'source' (such as {pipeline: "
                               "churn-monitoring, stage: score, metric: accuracy}) and "
                               "'condition' (such as {below: 0.8})");
  }
  if (spec.condition.metric.empty()) {
    spec.condition.metric = spec.source_metric;
  }
  check_clear(reader, spec);
  out.metric.push_back(std::move(spec));
}

}  // namespace mlops
