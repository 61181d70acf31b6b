// The artifact trigger: fires when the upstream pipeline's latest successful run wrote a version
// of the path that this pipeline has not consumed.
//
// With `feature_group: G` instead: fires when G (its newest version in this workspace) has
// commits this pipeline has not consumed, once for all of them: the run gets
// MLOPS_FG_SINCE_G (the last commit consumed, 0 at first) and MLOPS_FG_UNTIL_G (the newest),
// so an incremental stage reads exactly `mlops fg changes G --since .. --until ..`. The newest
// commit is read from the group's head file (.mlops/fs/G/vN.head, rewritten after each commit).
#include <algorithm>
#include <cctype>
#include <system_error>

#include <fmt/format.h>

#include "triggers/trigger.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

struct GroupHead {
  int version = 0;
  int64_t commit = 0;
};

// The newest version's head, if the group has one; tolerant of a damaged file (commit 0).
std::optional<GroupHead> read_group_head(const std::filesystem::path& workspace,
                                         const std::string& name) {
  std::filesystem::path dir = workspace / ".mlops" / "fs" / name;
  std::optional<GroupHead> head;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::string file = entry.path().filename().string();
    if (file.size() < 7 || file[0] != 'v' || !file.ends_with(".head") || file.size() > 14) {
      continue;
    }
    std::string digits = file.substr(1, file.size() - 6);
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c); })) {
      continue;
    }
    int version = std::stoi(digits);
    if (head && head->version > version) {
      continue;
    }
    auto text = read_file(entry.path(), 256);
    GroupHead found{version, 0};
    if (text.ok()) {
      size_t end = 0;
      while (end < text->size() && end < 12 &&
             std::isdigit(static_cast<unsigned char>((*text)[end]))) {
        ++end;
      }
      found.commit = end > 0 ? std::stoll(text->substr(0, end)) : 0;
    }
    head = found;
  }
  return head;
}

TriggerOutcome evaluate_feature_group(const ArtifactTriggerSpec& spec,
                                      const TriggerContext& context,
                                      const std::optional<TriggerState>& state) {
  TriggerOutcome outcome;
  outcome.key = trigger_key(spec);
  auto head = read_group_head(context.workspace, spec.feature_group);
  if (!head || head->commit == 0) {
    outcome.notes.push_back(
        fmt::format("artifact: feature group {} has no commits yet", spec.feature_group));
    return outcome;
  }
  int64_t consumed = 0;
  TriggerAdvance advance{context.pipeline, outcome.key, std::nullopt, {}, std::nullopt};
  if (state) {
    advance.expected = state->state_json;
    auto seen = nlohmann::json::parse(state->state_json, nullptr, false);
    if (seen.is_object() && seen.value("version", 0) == head->version && seen.contains("commit") &&
        seen["commit"].is_number_integer()) {
      consumed = seen["commit"].get<int64_t>();
    }
  }
  if (consumed >= head->commit) {
    return outcome;
  }
  nlohmann::json next = {{"version", head->version}, {"commit", head->commit}};
  advance.state_json = json_text(next);
  Firing firing;
  firing.kind = "artifact";
  firing.reason = fmt::format("artifact: feature group {} v{} has {} new commit(s) ({} to {})",
                              spec.feature_group, head->version, head->commit - consumed,
                              consumed + 1, head->commit);
  firing.advance = advance;
  firing.detail = {{"kind", "artifact"},
                   {"feature_group", spec.feature_group},
                   {"version", head->version},
                   {"since", consumed},
                   {"until", head->commit}};
  outcome.firing = std::move(firing);
  return outcome;
}

}  // namespace

TriggerOutcome evaluate_artifact(const ArtifactTriggerSpec& spec, const TriggerContext& context,
                                 const std::optional<TriggerState>& state) {
  if (!spec.feature_group.empty()) {
    return evaluate_feature_group(spec, context, state);
  }
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
