// The data trigger: fires when files matching its globs arrived, changed or went away, once every
// one of them has settled (not written for `settle`). Waiting for all of them makes a batch that
// lands over a few seconds one run, keeps half-written files away from the stages, and makes the
// files reported here the ones an `incremental: true` stage finds in MLOPS_CHANGED_DEPS.
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "hash/digest.hpp"
#include "triggers/file_watch.hpp"
#include "triggers/trigger.hpp"
#include "util/duration.hpp"
#include "util/glob.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

std::string describe_change(size_t added, size_t changed, size_t removed) {
  std::vector<std::string> parts;
  if (added) {
    parts.push_back(fmt::format("{} new", added));
  }
  if (changed) {
    parts.push_back(fmt::format("{} changed", changed));
  }
  if (removed) {
    parts.push_back(fmt::format("{} removed", removed));
  }
  size_t total = added + changed + removed;
  return fmt::format("{} file{}", join(parts, ", "), total == 1 ? "" : "s");
}

Firing data_firing(const DataChanges& changes, const std::string& where, TriggerAdvance advance) {
  Firing firing;
  firing.kind = "data";
  firing.advance = std::move(advance);
  std::vector<std::string> parts;
  if (!changes.added.empty()) {
    parts.push_back("new " + short_list(changes.added));
  }
  if (!changes.changed.empty()) {
    parts.push_back("changed " + short_list(changes.changed));
  }
  if (!changes.removed.empty()) {
    parts.push_back("removed " + short_list(changes.removed));
  }
  firing.reason = fmt::format(
      "data: {} under {}: {}",
      describe_change(changes.added.size(), changes.changed.size(), changes.removed.size()), where,
      join(parts, "; "));
  firing.detail = {{"kind", "data"},
                   {"new", changes.added},
                   {"changed", changes.changed},
                   {"removed", changes.removed}};
  return firing;
}

}  // namespace

TriggerOutcome evaluate_data(const DataTriggerSpec& spec, const TriggerContext& context,
                             const std::optional<TriggerState>& state) {
  TriggerOutcome outcome;
  outcome.key = trigger_key(spec);
  std::vector<Glob> globs;
  std::vector<std::string> bases;
  for (const auto& path : spec.paths) {
    if (auto glob = Glob::parse(path.value); glob.ok()) {
      bases.push_back(glob->base());
      globs.push_back(std::move(*glob));
    }
  }
  std::map<std::string, SeenFile> seen = manifest_of(state);
  std::map<std::string, SeenFile> now = list_files(context.workspace, globs);
  int64_t settle_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(spec.settle).count();
  DataChanges changes = compare_files(seen, now, context, settle_ns);

  std::string where = short_list(bases, 3);
  if (!changes.unsettled.empty()) {
    outcome.notes.push_back(
        fmt::format("data: waiting for {} file{} under {} to settle (no writes for {}): {}",
                    changes.unsettled.size(), changes.unsettled.size() == 1 ? "" : "s", where,
                    format_duration(spec.settle), short_list(changes.unsettled)));
    outcome.wake_at = WallTime(std::chrono::duration_cast<WallTime::duration>(
        std::chrono::nanoseconds(*changes.settles_at)));
    return outcome;
  }
  TriggerAdvance advance{context.pipeline, outcome.key,
                         state ? std::optional<std::string>(state->state_json) : std::nullopt,
                         json_text(nlohmann::json{{"files", manifest_files_json(now)}})};
  if (changes.added.empty() && changes.changed.empty() && changes.removed.empty()) {
    if (changes.quiet_change) {
      outcome.quiet_advance = advance;
    }
    return outcome;
  }
  outcome.firing = data_firing(changes, where, std::move(advance));
  return outcome;
}

}  // namespace mlops
