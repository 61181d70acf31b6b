// Where a run started with `--pull` finds outputs this machine has not got (docs/remotes.md): a
// remote's run-cache index (stage outputs recorded by a run elsewhere, looked up by fingerprint)
// and its objects. The application implements it over a Remote (engine/ cannot include
// remote/); the output cache asks it only when its own store and object cache cannot answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

class OutputSource {
 public:
  virtual ~OutputSource() = default;
  // What a succeeded execution of `stage` with `fingerprint` wrote, as recorded elsewhere
  // (run_id names the run that recorded it there; execution_id is 0). Nothing when unknown or
  // unreadable (an entry that fails validation is ignored: the stage runs).
  virtual std::optional<CachedExecution> lookup(const std::string& pipeline,
                                                const std::string& stage,
                                                const std::string& fingerprint) = 0;
  // Brings the objects of `versions` (a directory's manifest and its files) into the local
  // object cache, each checked against its digest. An error names what could not be fetched.
  virtual Status fetch(const std::vector<ArtifactVersion>& versions) = 0;
  // Where it fetches from, for notes ("/mnt/team/remote", "s3://bucket").
  virtual std::string describe() const = 0;
};

}  // namespace mlops
