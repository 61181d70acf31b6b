#include "app/gc.hpp"

#include <map>

#include "app/cache_lock.hpp"
#include "engine/output_cache.hpp"
#include "engine/store_digest_memo.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

uint64_t size_of(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_regular_file(std::filesystem::symlink_status(path, error))) {
    return std::filesystem::file_size(path, error);
  }
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(path, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    std::error_code file_error;
    if (it->is_regular_file(file_error) && !it->is_symlink(file_error)) {
      total += it->file_size(file_error);
    }
  }
  return total;
}

// Removes the log directory of every run the store knows and the policy does not keep
// (.mlops/logs/<run id>). Only what mlops created: a directory (not a link) named by a known run
// id, in a logs directory that is itself not a link. Nothing else there is touched.
void remove_dead_logs(const Workspace& space, const std::set<std::string>& known,
                      const std::set<std::string>& kept, GcMode mode, GcResult& result) {
  std::filesystem::path logs = space.log_dir("x").parent_path();  // the directory of every log_dir
  std::error_code error;
  if (!std::filesystem::is_directory(std::filesystem::symlink_status(logs, error))) {
    return;  // none yet, or a link leading who knows where: not ours to walk
  }
  for (std::filesystem::directory_iterator entry(logs, error);
       !error && entry != std::filesystem::directory_iterator(); entry.increment(error)) {
    std::string name = entry->path().filename().string();
    std::error_code status_error;
    if (!known.count(name) || kept.count(name) ||
        !std::filesystem::is_directory(entry->symlink_status(status_error))) {
      continue;
    }
    uint64_t size = size_of(entry->path());
    std::error_code remove_error;
    if (mode == GcMode::Remove) {
      std::filesystem::remove_all(entry->path(), remove_error);  // a symlink: the link only
      if (remove_error) {
        continue;
      }
    }
    result.freed_bytes += size;
    ++result.log_directories_removed;
  }
}

}  // namespace

std::set<std::string> runs_to_keep(const std::vector<RunRecord>& runs,
                                   const std::set<std::string>& producing, const GcPolicy& policy,
                                   std::chrono::system_clock::time_point now) {
  std::string cutoff;
  if (policy.keep_days) {
    cutoff = format_utc_iso(now - std::chrono::hours(24) * *policy.keep_days);
  }
  std::map<std::string, int> seen_per_pipeline;
  std::set<std::string> kept;
  for (const auto& run : runs) {  // newest first
    // --keep-last counts succeeded runs that produced something: a run whose every stage came
    // from the cache, or that failed, adds no version of its own.
    bool counted = run.status == "succeeded" && producing.count(run.id);
    int rank = counted ? seen_per_pipeline[run.pipeline]++ : -1;
    bool keep = !policy.keep_last && !policy.keep_days;
    keep = keep || (policy.keep_last && counted && rank < *policy.keep_last);
    keep = keep || (policy.keep_days && run.started_at >= cutoff);
    keep = keep || run.status == "running";
    if (keep) {
      kept.insert(run.id);
    }
  }
  return kept;
}

Result<std::set<std::string>> live_objects(Workspace& space, const std::set<std::string>& kept) {
  MetadataStore& store = *space.store();
  std::set<std::string> live;
  for (const auto& id : kept) {
    MLOPS_TRY(outputs, store.outputs_of_run(id));
    for (const auto& output : *outputs) {
      space.objects().add_live(output.digest, is_directory_version(space.objects(), output), live);
    }
  }
  // Whatever version each recorded path holds now (perhaps checked out from an old run) stays
  // restorable. A path that cannot be read holds nothing to keep.
  MLOPS_TRY(paths, store.latest_artifacts(""));
  StoreDigestMemo memo(store);
  for (const auto& artifact : *paths) {
    auto now = digest_path(space.root() / artifact.path, &memo);
    if (now.ok()) {
      space.objects().add_live(now->digest.hex(), now->is_directory, live);
    }
  }
  return live;
}

namespace {

// How long ago the oldest running run started (a day when it cannot be told), plus a minute.
std::chrono::seconds age_of_oldest_running(const std::vector<RunRecord>& runs) {
  auto now = std::chrono::system_clock::now();
  std::chrono::seconds age = std::chrono::hours(24);
  bool found = false;
  for (const auto& run : runs) {
    auto started = parse_utc_iso(run.started_at);
    if (run.status != "running" || !started) {
      continue;
    }
    auto since = std::chrono::duration_cast<std::chrono::seconds>(now - *started);
    age = found ? std::max(age, since) : since;
    found = true;
  }
  return std::max(age, std::chrono::seconds(0)) + std::chrono::minutes(1);
}

}  // namespace

Result<GcResult> collect_garbage(Workspace& space, const GcRequest& request) {
  if ((request.policy.keep_last && *request.policy.keep_last < 0) ||
      (request.policy.keep_days && *request.policy.keep_days < 0)) {
    return Error(ErrorKind::Usage, "--keep-last and --keep-days take a number of 0 or more");
  }
  GcResult result;
  result.dry_run = request.mode == GcMode::DryRun;
  // gc never waits for runs (they can last hours, and overlap forever under `mlops watch`).
  // While runs hold the cache lock, objects written since the oldest of them started are kept:
  // they may be saved but not recorded yet. Runs starting meanwhile wait for the short sweep.
  MLOPS_TRY(lock, try_acquire_cache_sweep(space));
  result.runs_in_progress = !lock->has_value();
  MLOPS_TRY(runs, space.store()->list_runs({std::nullopt, std::nullopt, 1'000'000}));
  MLOPS_TRY(producing, space.store()->producing_runs());
  std::chrono::seconds object_age{0};
  if (result.runs_in_progress) {
    object_age = age_of_oldest_running(*runs);
    result.kept_younger_than = object_age;
  }
  std::set<std::string> kept =
      runs_to_keep(*runs, *producing, request.policy, std::chrono::system_clock::now());
  result.runs = runs->size();
  result.runs_kept = kept.size();
  std::set<std::string> known;
  for (const auto& run : *runs) {
    known.insert(run.id);
  }
  MLOPS_TRY(live, live_objects(space, kept));
  SweepMode sweep_mode = result.dry_run ? SweepMode::DryRun : SweepMode::Remove;
  MLOPS_TRY(swept, space.objects().sweep(*live, sweep_mode, k_stale_temp_age, object_age));
  result.freed_bytes = swept->bytes_freed;
  result.objects_removed = swept->objects_removed;
  result.temp_files_removed = swept->temp_files_removed;
  remove_dead_logs(space, known, kept, request.mode, result);
  return result;
}

}  // namespace mlops
