// gc: frees the disk space that no kept run, and not the workspace, needs: cached objects and
// run log directories. The store's history stays: gc does not forget what ran. It deletes only
// what mlops created (objects by digest, log directories named by run ids the store knows) and
// never follows a symbolic link.
//
// Which runs are kept: the newest `keep_last` of each pipeline that succeeded and produced
// something (a run whose every stage came from the cache adds nothing), those started in the last
// `keep_days` days (either rule keeps a run); with neither rule, every run; a running run always.
// What is live: every output version a kept run recorded (for a directory, its files too), and
// whatever version each recorded path holds in the workspace right now (perhaps checked out from
// an old run), so it stays restorable. The sweep itself is the object cache's (ObjectStore).
//
// gc holds the cache lock exclusively from listing the runs to the end (app/cache_lock.hpp): a
// run in progress makes it wait; a dry run does not wait, and says its figures may count
// objects a running run has saved but not recorded yet.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/workspace.hpp"
#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

struct GcPolicy {
  std::optional<int> keep_last;  // runs per pipeline
  std::optional<int> keep_days;
};

enum class GcMode { Remove, DryRun };

struct GcRequest {
  GcPolicy policy;
  GcMode mode = GcMode::Remove;
};

struct GcResult {
  bool dry_run = false;
  size_t runs = 0;       // in the store
  size_t runs_kept = 0;  // by the policy
  uint64_t freed_bytes = 0;
  uint64_t objects_removed = 0;  // cached objects and manifests
  uint64_t temp_files_removed = 0;
  size_t log_directories_removed = 0;
  // Runs held the cache lock: gc did not wait for them, and kept every object written in the
  // last `kept_younger_than` (since the oldest of them started), which they may have saved
  // without recording it yet.
  bool runs_in_progress = false;
  std::chrono::seconds kept_younger_than{0};
};

// The ids of the runs `policy` keeps, of `runs` (newest first, as list_runs gives them), given
// the time now. --keep-last counts, per pipeline, only succeeded runs in `producing` (runs in
// which a stage ran rather than came from the cache: MetadataStore::producing_runs); the others
// are kept only by --keep-days (or while running).
std::set<std::string> runs_to_keep(const std::vector<RunRecord>& runs,
                                   const std::set<std::string>& producing, const GcPolicy& policy,
                                   std::chrono::system_clock::time_point now);

// The digests the kept runs and the workspace's current files need. Io/NotFound when the store
// cannot be read.
Result<std::set<std::string>> live_objects(Workspace& space, const std::set<std::string>& kept);

// Applies the policy. Never waits for runs in progress (see GcResult::runs_in_progress). Usage
// when a keep option is negative; Io when the store, the lock or the cache cannot be read.
// Files that cannot be removed are left and not counted.
Result<GcResult> collect_garbage(Workspace& space, const GcRequest& request);

}  // namespace mlops
