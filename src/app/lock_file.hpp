// The lock file: PIPELINE.lock beside PIPELINE.yaml (as dvc.lock is beside dvc.yaml), a file to
// commit that says, for each stage, its fingerprint and the digests, kinds and sizes of its outs
// and metrics (docs/cli.md, "mlops lock"; docs/remotes.md, "pull --lock").
//
// `mlops lock` writes it from the store: for each stage, the newest succeeded execution whose
// fingerprint is the stage's current one. A stage without one (never run as it is now, or
// `cache: false`) is listed with "current": false and no outputs, and named in the result so
// the front end can say so. The file is JSON, keys and stages sorted, written atomically, so it
// diffs well.
//
// A clone without a store reads it back: `mlops status` compares each stage's fingerprint now
// and its outputs' digests in the workspace with the lock's; `mlops pull --lock` fetches exactly
// the objects it names from a remote and restores them. A lock file is untrusted input: every
// path must be a plain workspace-relative path that is one of the stage's declared outs or
// metrics, every digest 32 hex digits, every kind a known one; anything else is refused whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/pipeline_loading.hpp"
#include "app/plan.hpp"
#include "app/remote_sync.hpp"
#include "app/workspace.hpp"
#include "util/error.hpp"

namespace mlops {

inline constexpr int k_lock_format_version = 1;

struct LockedOutput {
  std::string path;  // workspace-relative
  std::string kind;  // file, directory, model, metrics, ...
  std::string digest;
  int64_t size = 0;
  bool directory = false;  // a directory tree (its digest names a manifest)
};

struct LockedStage {
  std::string name;
  std::string fingerprint;  // "" for a stage that is never cached (`cache: false`)
  bool current = false;     // a succeeded execution had this fingerprint when locked
  std::vector<LockedOutput> outs;
  std::vector<LockedOutput> metrics;
};

struct LockFile {
  int version = k_lock_format_version;
  std::string pipeline_file;        // workspace-relative
  std::string pipeline;             // its name
  std::vector<LockedStage> stages;  // by name
};

// pipelines/train.yaml -> pipelines/train.lock (a pipeline file named *.lock gets *.lock.lock: its
// lock must never overwrite it)
std::filesystem::path lock_path_for(const std::filesystem::path& pipeline_file);

// Every stage's fingerprint as it is now (indexed like Pipeline::stages; "" for `cache: false`),
// from the deps in the workspace, as a run computes it.
std::vector<std::string> current_fingerprints(const Pipeline& pipeline);

// Builds the lock of `checked` from the workspace's store (Usage when it has none).
Result<LockFile> build_lock(Workspace& space, const CheckedPipeline& checked);

// The file's text: deterministic (sorted, two-space JSON, one trailing newline).
std::string lock_text(const LockFile& lock);

// Writes build_lock's file atomically at lock_path_for(pipeline file); returns what it wrote.
Result<LockFile> write_lock(Workspace& space, const CheckedPipeline& checked);

// Reads and checks the lock file of `pipeline` (InvalidSpec naming the file and the problem;
// NotFound when there is none).
Result<LockFile> read_lock(const Pipeline& pipeline);

// `mlops status` without a store: each selected stage is up to date (Skip) when its fingerprint
// now equals the lock's, it was current when locked, every locked output in the workspace has
// the locked digest, and no stage it reads from is stale; else Run, with the reason.
Plan plan_from_lock(const CheckedPipeline& checked, const LockFile& lock);

struct LockPullRequest {
  std::string remote;  // a URL (remote/remote.hpp)
  unsigned jobs = 4;
  bool checkout = true;  // false: into the object cache only (--no-checkout)
  TransferProgressFn progress;
};

struct LockPullResult {
  TransferSummary transfer;
  std::vector<std::string> restored;    // paths written
  std::vector<std::string> unchanged;   // already held the locked version
  std::vector<std::string> kept;        // hold other content: left alone
  std::vector<std::string> not_locked;  // stages listed as not current: nothing to fetch
};

// Fetches the objects the lock names that the cache lacks (every digest checked on receipt),
// then (checkout) writes each locked output whose path is missing; a path holding other
// content is kept and listed. Errors: those of read_lock and of the remote; Io when a
// restore fails.
Result<LockPullResult> pull_lock(Workspace& space, const CheckedPipeline& checked,
                                 const LockPullRequest& request);

}  // namespace mlops
