// Watching the files under a trigger's globs (the data and drift triggers): which files match,
// and which were added, changed or removed since the manifest a trigger keeps in its state, each
// digested only once it has settled (not written for `settle`).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "triggers/trigger.hpp"
#include "util/glob.hpp"

namespace mlops {

struct SeenFile {
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string digest;
  int64_t changed_ns = 0;  // max(mtime, ctime): the last write or rename, not stored
};

// Every regular file matching one of `globs`, by workspace-relative path.
std::map<std::string, SeenFile> list_files(const std::filesystem::path& workspace,
                                           const std::vector<Glob>& globs);

// The manifest kept in a trigger's state JSON ({"files": {path: [size, mtime, digest]}}); entries
// of the wrong shape (the state can be edited) count as unseen.
std::map<std::string, SeenFile> manifest_of(const std::optional<TriggerState>& state);

// The files matched now against those in the manifest.
struct DataChanges {
  std::vector<std::string> added, changed, removed;
  std::vector<std::string> unsettled;  // written too recently to read, or unreadable
  std::optional<int64_t> settles_at;   // nanoseconds since the epoch, when unsettled
  bool quiet_change = false;           // touched but identical content: only the stat changes
};

// Compares `now` with `seen`, digesting the files whose size or mtime changed (and storing the
// digests in `now`) once they have settled for `settle_ns`.
DataChanges compare_files(const std::map<std::string, SeenFile>& seen,
                          std::map<std::string, SeenFile>& now, const TriggerContext& context,
                          int64_t settle_ns);

// The manifest as JSON: every matching file with its size, mtime and digest.
nlohmann::json manifest_files_json(const std::map<std::string, SeenFile>& now);

// The globs of `paths` that parse (the parser already reported the others).
std::vector<Glob> parse_globs(const std::vector<LocatedString>& paths);

}  // namespace mlops
