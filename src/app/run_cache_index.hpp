// The run-cache index a push leaves beside the objects (docs/remotes.md): for every succeeded
// execution of the pushed runs, one entry runcache/<key> (key: a digest of the pipeline, the
// stage and its fingerprint) naming the versions it wrote. `mlops run --pull` on a machine whose
// store has never seen those runs looks a stage's fingerprint up there and restores its outputs
// instead of running it. Never prints.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/object_store.hpp"
#include "engine/output_source.hpp"
#include "remote/remote.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

// The entry's name in a remote: "runcache/" and a digest of the three.
std::string run_cache_entry_name(const std::string& pipeline, const std::string& stage,
                                 const std::string& fingerprint);

struct RunCacheEntry {
  std::string pipeline;
  std::string stage;
  std::string fingerprint;
  std::string run_id;  // the run that recorded it (on the pushing machine)
  std::vector<ArtifactVersion> outputs;
  std::vector<bool> directories;  // per output: whether its object is a directory's manifest
};

std::string run_cache_entry_json(const RunCacheEntry& entry);
// The entry in `text`, read as untrusted bytes: Corrupt (saying what is wrong) unless it is an
// entry of this format whose paths are plain workspace-relative paths, digests are object
// digests and kinds are known.
Result<RunCacheEntry> parse_run_cache_entry(std::string_view text);

// The OutputSource of `mlops run --pull`: lookups in `remote`'s index, objects fetched into
// `objects` (`jobs` at a time, every digest checked). Owns the remote.
std::unique_ptr<OutputSource> remote_output_source(std::unique_ptr<Remote> remote,
                                                   ObjectStore& objects, unsigned jobs);

}  // namespace mlops
