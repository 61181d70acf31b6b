// cache verify: checks every object in the workspace's object cache against its digest and
// every directory manifest against its format, quarantining the bad ones
// (.mlops/cache/quarantine/), so that no later restore or checkout can use them. A run that
// needs a quarantined version runs the stage again; `mlops checkout` reports it as missing.
#pragma once

#include "app/workspace.hpp"
#include "cache/object_store.hpp"
#include "util/error.hpp"

namespace mlops {

// Holds the cache lock shared while it looks (a gc cannot remove objects meanwhile; runs and
// checkouts may go on). Io when the lock or the cache cannot be read.
Result<VerifyStats> verify_cache(Workspace& space);

}  // namespace mlops
