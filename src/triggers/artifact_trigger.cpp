// The artifact trigger: fires when the upstream pipeline's latest successful run wrote a version
// of the path that this pipeline has not consumed.
#include <fmt/format.h>

#include "triggers/trigger.hpp"
#include "util/json_text.hpp"

namespace mlops {

TriggerOutcome evaluate_artifact(const ArtifactTriggerSpec& spec, const TriggerContext& context,
                                 const std::optional<TriggerState>& state) {
  TriggerOutcome outcome;
  outcome.key = trigger_key(spec);
  auto runs = context.store.list_runs({spec.pipeline, "succeeded", 1});
  if (!runs.ok()) {
    outcome.error = "artifact: " + runs.error().message();
    return outcome;
  }
  if (runs->empty()) {
    outcome.notes.push_back(fmt::format(
        "artifact: {} has no successful run yet; waiting for its {}", spec.pipeline, spec.path));
    return outcome;
  }
  const RunRecord& upstream = runs->front();
  auto outputs = context.store.outputs_of_run(upstream.id);
  if (!outputs.ok()) {
    outcome.error = "artifact: " + outputs.error().message();
    return outcome;
  }
  const ArtifactVersion* version = nullptr;
  for (const auto& output : *outputs) {
    if (output.path == spec.path) {
      version = &output;
    }
  }
  if (!version) {
    outcome.notes.push_back(
        fmt::format("artifact: the latest successful run of {} ({}) did not "
                    "write {}; check the path",
                    spec.pipeline, upstream.id, spec.path));
    return outcome;
  }
  nlohmann::json next = {{"digest", version->digest}, {"run", upstream.id}};
  TriggerAdvance advance{context.pipeline, outcome.key, std::nullopt, json_text(next)};
  if (state) {
    advance.expected = state->state_json;
    auto seen = nlohmann::json::parse(state->state_json, nullptr, false);
    if (seen.is_object() && seen.contains("digest") && seen["digest"].is_string() &&
        seen["digest"].get<std::string>() == version->digest) {
      return outcome;
    }
  }
  auto consumed = context.store.has_consumed(context.pipeline, spec.path, version->digest);
  if (consumed.ok() && *consumed) {
    outcome.notes.push_back(
        fmt::format("artifact: {} of {} (run {}) was already read by a run of "
                    "{}; nothing to do",
                    spec.path, spec.pipeline, upstream.id, context.pipeline));
    outcome.quiet_advance = advance;
    return outcome;
  }
  Firing firing;
  firing.kind = "artifact";
  firing.reason = fmt::format("artifact: {} wrote a new {} (run {}, {})", spec.pipeline, spec.path,
                              upstream.id, short_id(version->digest));
  firing.advance = advance;
  firing.detail = {{"kind", "artifact"},
                   {"pipeline", spec.pipeline},
                   {"path", spec.path},
                   {"digest", version->digest},
                   {"run", upstream.id}};
  outcome.firing = std::move(firing);
  return outcome;
}

}  // namespace mlops
