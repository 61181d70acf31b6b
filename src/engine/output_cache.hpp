// The "skip what did not change" step of the run loop, and the one planner: `mlops status`,
// `mlops run --dry-run` and a real run all decide through decide(), so they agree.
//
// Before a stage's first attempt, decide() hashes its deps (through the digest memo, so
// unchanged files are not read), computes its fingerprint (cache/fingerprint.hpp) and applies,
// in this order:
//   - `cache: false`, `always_run: true`, --force or --force-stage: it runs;
//   - in a plan (dry run): it reads an output of a stage that runs before it ("upstream X will
//     run"), or part of a directory (or a file inside a directory) an upstream stage restores
//     ("upstream X restores part of its deps"): it runs, since the plan cannot know those bytes;
//   - no succeeded execution of the stage with that fingerprint: it runs, and the note says why
//     (against its last successful execution: explain(); "upstream X will run" when an upstream
//     ran in this run, the same words as the plan);
//   - found, and every output is in the workspace with the recorded digest: it is up to date;
//   - found, some outputs are missing or differ, and those versions are in the object cache:
//     they are restored instead of running the command;
//   - otherwise it runs.
// In a real run the deps are hashed after the upstream stages ran or were restored, so a stage
// whose upstream rewrote the same bytes stays up to date (ninja's restat): the one case where a
// run does less than its plan said. `upstream` gives what became (in a run) or will become (in
// a plan) of each earlier stage. In a plan, a restored stage's outputs are not written;
// restore() remembers their digests so that stages reading them are decided as if they had been.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "cache/object_store.hpp"
#include "engine/output_source.hpp"
#include "engine/run_report.hpp"
#include "engine/store_digest_memo.hpp"
#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

enum class CacheAction { Run, UpToDate, Restore };

// What a run did (or a plan will do) with each stage: nothing yet (not decided, not selected)
// or the action decided for it. Indexed like Pipeline::stages.
using StageFates = std::vector<std::optional<CacheAction>>;

struct OutputCacheOptions {
  bool force = false;                  // --force: run everything
  std::set<std::string> force_stages;  // --force-stage: names or base names
  bool dry_run = false;                // decide only: restore and store nothing
  // Values a run was given that a stage reads when its command names them (the range of
  // feature-group commits a trigger hands an incremental stage, MLOPS_FG_SINCE_G=3): part of the
  // fingerprint of exactly those stages, so a new range runs them again.
  std::vector<std::pair<std::string, std::string>> command_env;
  // --pull: where to look for a stage's outputs when neither the store nor the object cache
  // has them (a remote's run-cache index and objects); none: only this machine's.
  OutputSource* source = nullptr;
};

// Whether a recorded version is a directory tree: its kind says so, or, for a directory out
// typed otherwise (`type: dataset`, a model directory), the cache holds a manifest for it.
bool is_directory_version(const ObjectStore& objects, const ArtifactVersion& version);

class OutputCache {
 public:
  OutputCache(MetadataStore& store, ObjectStore& objects, StoreDigestMemo& memo,
              const Pipeline& pipeline, OutputCacheOptions options);

  // Fills report.fingerprint, inputs, note (why, in words) and (when not running) outputs.
  // `fates`: what became of each stage so far; `upstream`: the stages this one runs after (the
  // graph's edges into it), the only ones whose fate can matter.
  CacheAction decide(size_t stage, StageReport& report, const StageFates& fates,
                     const std::vector<size_t>& upstream);
  // Lookups until release_reads() share one store read transaction (see MetadataStore).
  void hold_reads() { m_store.hold_reads(); }
  void release_reads() { m_store.release_reads(); }
  // Puts the outputs recorded in `report` back into the workspace from the object cache (in a
  // dry run, only remembers their digests for the stages that read them).
  Status restore(size_t stage, const StageReport& report);

  // After a success: fills report.outputs and caches them (a failure to cache one is a warning);
  // drops the fingerprint when a dep changed while the stage ran (report.note says which). With
  // `cache_link: hardlink`, outputs become read-only hard links to their cache objects, and
  // restore() links them back (never an incremental stage's outputs, which it updates in place).
  void finish(size_t stage, StageReport& report);

 private:
  std::string with_command_env(const Stage& stage, const std::string& fingerprint) const;
  // For an incremental stage: the dep files new/changed/removed since its last success, written
  // to the files the stage is given (report.changed_deps_file, removed_deps_file).
  void prepare_incremental(const Stage& stage, StageReport& report);
  std::filesystem::path incremental_path(const Stage& stage, const std::string& suffix) const;

  std::vector<ArtifactVersion> hash(const std::vector<LocatedString>& paths,
                                    const std::vector<std::string>* types,
                                    const char* default_kind);
  // Hashes and saves `paths` (ObjectStore::store), warning in `report` about what it cannot cache.
  std::vector<ArtifactVersion> store(const Stage& stage, const std::vector<LocatedString>& paths,
                                     const std::vector<std::string>* types,
                                     const char* default_kind, StageReport& report);
  // The deps of `stage` whose digest is not the one in report.inputs any more.
  std::vector<std::string> deps_moved(const Stage& stage, const StageReport& report);
  // How the output `path` of `stage` shares bytes with the cache.
  CacheLink link_for(const Stage& stage, const std::string& path) const;
  // The reason a stage must run whatever the cache holds, if there is one.
  std::optional<std::string> unconditional_reason(const Stage& stage) const;
  std::optional<std::string> upstream_reason(size_t stage, const StageFates& fates,
                                             const std::vector<size_t>& upstream) const;
  // The cache's verdict; a stage that must run gets `upstream_ran` as its reason when given.
  CacheAction decide_from_store(size_t stage, StageReport& report,
                                const std::optional<std::string>& upstream_ran);
  // The execution whose outputs this stage may reuse: the store's, else (--pull) the source's
  // index entry (`remote` says which).
  std::optional<CachedExecution> find_hit(const Stage& stage, const std::string& fingerprint,
                                          bool& remote);
  // Whether every version is in the object cache; with a source (not in a plan), fetches the
  // missing ones first (`from_source`; a failure is a note: the stage runs).
  bool make_restorable(const std::vector<ArtifactVersion>& versions, std::string& failure,
                       bool& from_source);
  // For a stage that must run: why, in words, against its last successful execution ("never
  // ran", "command changed", "param lr changed: 0.1 -> 0.05", "deps changed: data/raw/b.csv
  // (new)", ...). Empty when nothing explains it beyond the fingerprint.
  std::string explain(size_t stage, const StageReport& report);

  MetadataStore& m_store;
  ObjectStore& m_objects;
  StoreDigestMemo& m_memo;
  const Pipeline& m_pipeline;
  OutputCacheOptions m_options;
  // Dry runs: the digests restored outputs would have (path -> version).
  std::map<std::string, ArtifactVersion> m_expected;
};

// Whether `reader` reads (part of) something `writer` writes: a dep equal to, inside, or
// containing one of its outs or metrics files. Exact: whether the paths are equal.
enum class Overlap { None, Exact, Partial };
Overlap reads_outputs_of(const Stage& reader, const Stage& writer);

}  // namespace mlops
