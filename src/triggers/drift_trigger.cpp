// The drift trigger: fires when the data under its `current` globs drifts from a reference (a
// data file, a profile, or the version of a file a pipeline's latest succeeded run read). It
// checks when those files change (once they settle) and, with `every`, on an interval. Each check
// computes every drift measure (data/drift.hpp) and keeps the report in the trigger's state,
// whether or not it fires; `cooldown` keeps a drift that persists from firing run after run.
#include <fmt/format.h>

#include <algorithm>

#include "data/drift.hpp"
#include "data/drift_json.hpp"
#include "data/profile_json.hpp"
#include "hash/digest.hpp"
#include "triggers/file_watch.hpp"
#include "triggers/trigger.hpp"
#include "util/duration.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

int64_t epoch_ms(WallTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

WallTime from_epoch_ms(int64_t ms) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

struct DriftState {
  std::optional<int64_t> last_check_ms;
  std::optional<int64_t> last_fire_ms;
};

DriftState drift_state_of(const std::optional<TriggerState>& state) {
  DriftState out;
  if (!state)
    return out;
  auto json = nlohmann::json::parse(state->state_json, nullptr, false);
  if (!json.is_object())
    return out;
  for (auto [key, field] : {std::pair{"last_check_ms", &out.last_check_ms},
                            std::pair{"last_fire_ms", &out.last_fire_ms}}) {
    if (json.contains(key) && json[key].is_number_integer())
      *field = json[key].get<int64_t>();
  }
  return out;
}

Result<DatasetProfile> load_profile(const std::filesystem::path& path, const std::string& name) {
  if (path.extension() == ".json") {
    return read_profile_json(path, name, ProfileParts::WithoutDistinct);
  }
  return profile_file(path, name, ReadOptions{}, ProfileOptions{});
}

// The file the reference is read from: the workspace's file, or the version a pipeline's latest
// succeeded run read (from the workspace when it still has those bytes, else from the cache).
Result<std::filesystem::path> reference_file(const DriftTriggerSpec& spec,
                                             const TriggerContext& context) {
  std::filesystem::path here = context.workspace / spec.reference;
  if (spec.reference_pipeline.empty())
    return here;
  MLOPS_TRY(runs, context.store.list_runs(RunFilter{spec.reference_pipeline, "succeeded", 1}));
  if (runs->empty()) {
    return Error(ErrorKind::NotFound, fmt::format("no succeeded run of pipeline '{}' yet: no "
                                                  "reference to compare with",
                                                  spec.reference_pipeline));
  }
  const std::string& run = runs->front().id;
  MLOPS_TRY(events, context.store.events_of_run(run));
  auto read = std::find_if(events->begin(), events->end(), [&](const EventRecord& event) {
    return event.direction == "input" && event.artifact.path == spec.reference;
  });
  if (read == events->end()) {
    return Error(ErrorKind::NotFound, fmt::format("run {} of '{}' did not read '{}'", run,
                                                  spec.reference_pipeline, spec.reference));
  }
  const std::string& digest = read->artifact.digest;
  if (auto now = digest_path(here); now.ok() && now->digest.hex() == digest)
    return here;
  if (context.cached_object) {
    if (auto cached = context.cached_object(digest)) {
      auto bytes = digest_path(*cached);  // cache objects can be edited: check before reading
      if (bytes.ok() && bytes->digest.hex() == digest)
        return *cached;
      return Error(ErrorKind::Corrupt, fmt::format("the cache object for '{}' ({}) does not "
                                                   "match its digest; run `mlops cache verify`",
                                                   spec.reference, short_id(digest)));
    }
  }
  return Error(ErrorKind::NotFound,
               fmt::format("the version of '{}' run {} read ({}) is neither in the workspace nor "
                           "in the cache",
                           spec.reference, run, short_id(digest)));
}

// Every file under the globs, profiled and merged into one profile.
Result<DatasetProfile> current_profile(const std::map<std::string, SeenFile>& files,
                                       const TriggerContext& context) {
  std::optional<DatasetProfile> merged;
  for (const auto& [path, file] : files) {
    MLOPS_TRY(profile, load_profile(context.workspace / path, path));
    if (!merged) {
      merged = std::move(*profile);
    } else {
      MLOPS_CHECK(merge_profiles(*merged, *profile));
    }
  }
  if (files.size() > 1)
    merged->source = fmt::format("{} files", files.size());
  return std::move(*merged);
}

DriftPolicy policy_of(const DriftTriggerSpec& spec) {
  DriftPolicy policy;
  policy.method = parse_drift_method(spec.method).value_or(DriftMethod::Psi);
  if (spec.warn)
    policy.warn = *spec.warn;
  if (spec.fail)
    policy.fail = *spec.fail;
  if (policy.fail < policy.warn)
    policy.fail = policy.warn;
  if (spec.drift_share)
    policy.drift_share = *spec.drift_share;
  policy.min_rows = spec.min_rows;
  for (const auto& column : spec.critical)
    policy.columns[column].critical = true;
  for (const auto& column : spec.ignore)
    policy.columns[column].ignore = true;
  return policy;
}

// "amount psi=0.31 >= 0.25; country linf=0.12 >= 0.1"
std::string drifted_columns(const DriftReport& report) {
  std::vector<std::string> parts;
  for (const ColumnDrift& d : report.columns) {
    if (d.status == DriftStatus::Drift) {
      parts.push_back(fmt::format("{} {}={:.3g} >= {:g}{}", d.column, drift_method_name(d.method),
                                  d.value, d.fail, d.critical ? " (critical)" : ""));
    }
  }
  return join(parts, "; ");
}

nlohmann::json firing_detail(const DriftReport& report) {
  nlohmann::json columns = nlohmann::json::array();
  for (const ColumnDrift& d : report.columns) {
    if (d.status == DriftStatus::Drift) {
      columns.push_back({{"column", d.column},
                         {"method", drift_method_name(d.method)},
                         {"value", d.value},
                         {"fail", d.fail},
                         {"critical", d.critical}});
    }
  }
  return {{"kind", "drift"}, {"share", report.share}, {"columns", columns}};
}

struct Check {
  DriftReport report;
  nlohmann::json report_json;
  uint64_t rows = 0;
};

Result<Check> check_drift(const DriftTriggerSpec& spec, const TriggerContext& context,
                          const std::map<std::string, SeenFile>& files) {
  MLOPS_TRY(reference_path, reference_file(spec, context));
  MLOPS_TRY(reference, load_profile(*reference_path, spec.reference));
  MLOPS_TRY(current, current_profile(files, context));
  DriftPolicy policy = policy_of(spec);
  Check check;
  check.report = compute_drift(*reference, *current, policy);
  check.rows = current->rows;
  DriftSides sides{spec.reference, current->source, reference->rows, current->rows};
  check.report_json = nlohmann::json::parse(drift_report_to_json(check.report, policy, sides));
  return check;
}

}  // namespace

TriggerOutcome evaluate_drift(const DriftTriggerSpec& spec, const TriggerContext& context,
                              const std::optional<TriggerState>& state) {
  TriggerOutcome outcome;
  outcome.key = trigger_key(spec);
  std::map<std::string, SeenFile> seen = manifest_of(state);
  std::map<std::string, SeenFile> now = list_files(context.workspace, parse_globs(spec.current));
  int64_t settle_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(spec.settle).count();
  DataChanges changes = compare_files(seen, now, context, settle_ns);
  if (!changes.unsettled.empty()) {
    outcome.notes.push_back(
        fmt::format("drift: waiting for {} to settle", short_list(changes.unsettled)));
    outcome.wake_at = WallTime(std::chrono::duration_cast<WallTime::duration>(
        std::chrono::nanoseconds(*changes.settles_at)));
    return outcome;
  }
  DriftState previous = drift_state_of(state);
  int64_t now_ms = epoch_ms(context.now);
  int64_t every_ms = spec.every ? spec.every->count() : 0;
  bool changed = !changes.added.empty() || !changes.changed.empty() || !changes.removed.empty();
  bool due =
      spec.every && (!previous.last_check_ms || now_ms - *previous.last_check_ms >= every_ms);
  if (spec.every) {
    outcome.wake_at = from_epoch_ms((due ? now_ms : *previous.last_check_ms) + every_ms);
  }
  nlohmann::json next = {{"files", manifest_files_json(now)}, {"last_check_ms", now_ms}};
  if (previous.last_fire_ms)
    next["last_fire_ms"] = *previous.last_fire_ms;
  auto advance = [&]() {
    return TriggerAdvance{context.pipeline, outcome.key,
                          state ? std::optional<std::string>(state->state_json) : std::nullopt,
                          json_text(next)};
  };
  if (!changed && !due && state) {
    if (changes.quiet_change) {
      if (previous.last_check_ms)
        next["last_check_ms"] = *previous.last_check_ms;
      outcome.quiet_advance = advance();
    }
    return outcome;
  }
  if (now.empty()) {
    outcome.notes.push_back(fmt::format("drift: no file matches {}", spec.current.front().value));
    outcome.quiet_advance = advance();
    return outcome;
  }
  Result<Check> check = check_drift(spec, context, now);
  if (!check.ok()) {
    outcome.error = "drift: " + check.error().message();
    return outcome;
  }
  next["report"] = check->report_json;
  const DriftReport& report = check->report;
  if (check->rows < spec.min_rows || !report.dataset_drift) {
    outcome.notes.push_back(
        check->rows < spec.min_rows
            ? fmt::format("drift: only {} rows, fewer than min_rows {}", check->rows, spec.min_rows)
            : fmt::format("drift: no drift ({} of {} columns drifted, share {:.2f})",
                          report.drifted, report.evaluated, report.share));
    outcome.quiet_advance = advance();
    return outcome;
  }
  if (previous.last_fire_ms && now_ms - *previous.last_fire_ms < spec.cooldown.count()) {
    outcome.notes.push_back(fmt::format("drift: {}, but the last firing was less than {} ago",
                                        drifted_columns(report), format_duration(spec.cooldown)));
    outcome.quiet_advance = advance();
    return outcome;
  }
  next["last_fire_ms"] = now_ms;
  Firing firing;
  firing.kind = "drift";
  firing.reason = "drift: " + drifted_columns(report);
  firing.detail = firing_detail(report);
  firing.advance = advance();
  outcome.firing = std::move(firing);
  return outcome;
}

}  // namespace mlops
