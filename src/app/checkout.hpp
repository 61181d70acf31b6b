// checkout: puts past output versions back in the workspace, from the object cache.
//
// The versions are those a run recorded (RUN), or those current at a time (--as-of), optionally
// only at or below some paths. A path that already holds the version is left alone. A path
// whose current content no run recorded is not overwritten unless the request says so: then
// nothing at all is restored, so the user's work is never half-replaced. Every copied byte is
// verified against its digest (cache/object_store.hpp), and every path read from the store is
// checked (util/paths.hpp: no "..", not absolute, no symbolic link leading out of the
// workspace) before anything is read or written there; what fails is listed in `rejected`. The
// restore holds the cache lock shared (app/cache_lock.hpp), so a gc cannot remove an object being
// copied.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/workspace.hpp"
#include "util/error.hpp"

namespace mlops {

// Whether a path holding content that no run recorded may be overwritten (--force).
enum class UnrecordedContent { Keep, Overwrite };

struct CheckoutRequest {
  std::optional<std::string> run;    // a run name (resolve_run), or
  std::optional<std::string> as_of;  // a date (the end of that day, UTC) or a date-time
  std::vector<std::string> paths;    // workspace-relative; empty: every path
  UnrecordedContent unrecorded = UnrecordedContent::Keep;
};

struct RestoredPath {
  std::string path;
  std::string digest;
};

struct RejectedPath {
  std::string path;
  std::string reason;
};

struct CheckoutResult {
  std::string source;  // "from run ID" or "as of TIME", for messages
  std::vector<RestoredPath> restored;
  std::vector<std::string> unchanged;     // already held the version
  std::vector<std::string> refused;       // unrecorded content; when any, nothing was restored
  std::vector<std::string> not_in_cache;  // removed by gc, or written with cache: false
  // Not restored because stored data failed verification: a corrupt object or manifest (now
  // quarantined), or a stored path that leads outside the workspace. With the reason.
  std::vector<RejectedPath> rejected;
  std::optional<Error> restore_error;  // a restore failed; `restored` lists those done before
};

// "2026-11-24" (the end of that day, UTC) or a date-time (seconds optional), as format_utc_iso
// writes times; nothing when `text` is neither.
std::optional<std::string> normalise_checkout_time(const std::string& text);

// Usage when neither a run nor a time is given, or the time does not parse; what resolve_run
// returns for a bad run name; Io when the store cannot be read.
Result<CheckoutResult> checkout(Workspace& space, const CheckoutRequest& request);

}  // namespace mlops
