// Sharing cached outputs through a remote (docs/remotes.md, issue 16): `mlops push` uploads the
// objects (and directory manifests) that runs' outputs need and the remote lacks; `mlops pull`
// fetches those a run needs and the local cache lacks, checking every digest on receipt, so
// that `mlops checkout RUN` (or a run that finds its outputs cached) can restore them. Both are
// idempotent and parallel; an interrupted transfer leaves nothing half-written on either side.
// Never prints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/workspace.hpp"
#include "util/error.hpp"

namespace mlops {

struct TransferRequest {
  std::string remote;             // a URL (remote/remote.hpp: open_remote)
  std::vector<std::string> runs;  // names as `mlops show` takes them; empty: the latest run
  bool all_runs = false;
  unsigned jobs = 4;  // transfers at once
};

struct TransferSummary {
  std::string remote;                // as described, without credentials
  uint64_t objects = 0;              // objects (files and manifests) the runs need
  uint64_t transferred = 0;          // copied now
  uint64_t already = 0;              // already on the receiving side
  uint64_t bytes = 0;                // copied now
  std::vector<std::string> missing;  // needed, on neither side (not cached when the run ran)
  std::vector<std::string> failed;   // one message per object that could not be copied
};

// Errors: Usage (a bad remote URL), NotFound (no such run or remote), Io (the store).
Result<TransferSummary> push_outputs(Workspace& space, const TransferRequest& request);
Result<TransferSummary> pull_outputs(Workspace& space, const TransferRequest& request);

}  // namespace mlops
