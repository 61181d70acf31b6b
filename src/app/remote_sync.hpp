// Sharing cached outputs through a remote (docs/remotes.md, issue 16): `mlops push` uploads the
// objects (and directory manifests) that runs' outputs need and the remote lacks; `mlops pull`
// fetches those a run needs and the local cache lacks, checking every digest on receipt, so
// that `mlops checkout RUN` (or a run that finds its outputs cached) can restore them. Both are
// idempotent and parallel; an interrupted transfer leaves nothing half-written on either side.
// Never prints.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/workspace.hpp"
#include "cache/object_store.hpp"
#include "remote/remote.hpp"
#include "util/error.hpp"

namespace mlops {

// Where a transfer is, for a progress bar: objects and bytes done of those to copy. Called from
// the transfer threads, one call at a time, after each object.
struct TransferProgress {
  uint64_t done = 0;
  uint64_t total = 0;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;  // 0 when unknown (a pull knows sizes only once received)
};
using TransferProgressFn = std::function<void(const TransferProgress&)>;

struct TransferRequest {
  std::string remote;             // a URL (remote/remote.hpp: open_remote)
  std::vector<std::string> runs;  // names as `mlops show` takes them; empty: the latest run
  bool all_runs = false;
  unsigned jobs = 4;  // transfers at once
  // Pull only: only these outputs (workspace-relative paths; a directory includes what is in
  // it); empty: all of them. A path no pulled run wrote is NotFound.
  std::vector<std::string> paths;
  TransferProgressFn progress;  // may be empty
};

struct TransferSummary {
  std::string remote;                // as described, without credentials
  uint64_t objects = 0;              // objects (files and manifests) the runs need
  uint64_t transferred = 0;          // copied now
  uint64_t already = 0;              // already on the receiving side
  uint64_t bytes = 0;                // copied now
  std::vector<std::string> missing;  // needed, on neither side (not cached when the run ran)
  std::vector<std::string> failed;   // one message per object that could not be copied
  uint64_t index_entries = 0;        // push: run-cache entries written (run_cache_index.hpp)
};

// Errors: Usage (a bad remote URL), NotFound (no such run or remote), Io (the store).
Result<TransferSummary> push_outputs(Workspace& space, const TransferRequest& request);
Result<TransferSummary> pull_outputs(Workspace& space, const TransferRequest& request);

// The remote a push or pull uses: `option`, else as chosen_remote (workspace_config.hpp) says,
// else the `remote:` of the pipeline file the first of `runs` ran (as it reads now). Nothing
// when none is set.
Result<std::optional<std::string>> transfer_remote(Workspace& space,
                                                   const std::optional<std::string>& option,
                                                   const std::vector<std::string>& runs);

// A pull's arguments: those that name a run (mlops show's names) and the others, paths.
Result<std::pair<std::vector<std::string>, std::vector<std::string>>> runs_and_paths(
    Workspace& space, const std::vector<std::string>& arguments);

// The core of a pull: brings the objects of `versions` (digest, whether a directory) that
// `objects` lacks from `remote`, manifests first (each checked against its directory digest),
// then every file they and the plain versions name, `jobs` at a time. Adds to `summary`.
void fetch_objects(Remote& remote, ObjectStore& objects,
                   const std::set<std::pair<std::string, bool>>& versions, unsigned jobs,
                   const TransferProgressFn& progress, TransferSummary& summary);

}  // namespace mlops
