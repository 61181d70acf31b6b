#include <fmt/format.h>

#include "triggers/metric_trigger.hpp"
#include "triggers/trigger.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

std::vector<std::string> texts(const std::vector<LocatedString>& list) {
  std::vector<std::string> out;
  for (const auto& item : list) {
    out.push_back(item.value);
  }
  return out;
}

}  // namespace

std::string trigger_key(const GitTriggerSpec& spec) {
  return fmt::format("git {}@{}", spec.branch.value_or("HEAD"), spec.repo);
}

std::string trigger_key(const DataTriggerSpec& spec) {
  return fmt::format("data {}", join(texts(spec.paths), " "));
}

std::string trigger_key(const ScheduleTriggerSpec& spec) {
  return fmt::format("schedule {} {}", spec.cron, spec.timezone);
}

std::string trigger_key(const ArtifactTriggerSpec& spec) {
  if (!spec.feature_group.empty()) {
    return "artifact fg:" + spec.feature_group;
  }
  return fmt::format("artifact {}:{}", spec.pipeline, spec.path);
}

std::string trigger_key(const DriftTriggerSpec& spec) {
  std::string reference = spec.reference_pipeline.empty()
                              ? spec.reference
                              : spec.reference_pipeline + ":" + spec.reference;
  return fmt::format("drift {} vs {}", join(texts(spec.current), " "), reference);
}

// The source and the condition: a changed threshold or source starts afresh; a changed window,
// `for` or cooldown keeps the state.
std::string trigger_key(const MetricTriggerSpec& spec) {
  return fmt::format("metric {}/{}:{} {}", spec.source_pipeline, spec.source_stage,
                     spec.source_metric, describe_condition(spec.condition));
}

std::string short_list(const std::vector<std::string>& items, size_t shown) {
  if (items.size() <= shown) {
    return join(items, ", ");
  }
  std::vector<std::string> head(items.begin(), items.begin() + static_cast<long>(shown));
  return fmt::format("{} and {} more", join(head, ", "), items.size() - shown);
}

std::string short_id(const std::string& id) {
  return id.substr(0, 7);
}

}  // namespace mlops
