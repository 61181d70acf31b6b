// The "skip what did not change" step of the run loop.
//
// Before a stage's first attempt, decide() hashes its deps (through the digest memo, so
// unchanged files are not read), computes its fingerprint (cache/fingerprint.hpp) and looks for
// the newest succeeded execution of the stage with that fingerprint:
//   - none, `cache: false`, `always_run: true`, --force or --force-stage: it runs;
//   - found, and every output is in the workspace with the recorded digest: it is up to date;
//   - found, some outputs are missing or differ, and those versions are in the object cache:
//     they are restored instead of running the command;
//   - otherwise it runs.
// After a success, finish() hashes its outputs, stores them in the object cache, and hashes the
// deps again: if one changed while the stage ran, the outputs are not recorded as the product
// of either version (the fingerprint is dropped), so the next run runs it again.
#pragma once

#include <set>
#include <string>

#include "cache/object_store.hpp"
#include "engine/run_report.hpp"
#include "engine/store_digest_memo.hpp"
#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

enum class CacheAction { Run, UpToDate, Restore };

struct OutputCacheOptions {
  bool force = false;                  // --force: run everything
  std::set<std::string> force_stages;  // --force-stage: names or base names
  bool dry_run = false;                // decide only: restore and store nothing
};

class OutputCache {
 public:
  OutputCache(MetadataStore& store, ObjectStore& objects, StoreDigestMemo& memo,
              const Pipeline& pipeline, OutputCacheOptions options);

  // Fills report.fingerprint, inputs, note and (when not running) outputs.
  CacheAction decide(size_t stage, StageReport& report);
  // Puts the outputs recorded in `report` back into the workspace from the object cache.
  Status restore(size_t stage, const StageReport& report);
  // For a stage decide() said must run: why, in words, against its last successful execution
  // ("never ran", "command changed", "param lr changed: 0.1 -> 0.05", "deps changed:
  // data/raw/b.csv (new)", ...). Empty when nothing explains it beyond report.note.
  std::string explain(size_t stage, const StageReport& report);

  // After a success: fills report.outputs and caches them; drops the fingerprint when a dep
  // changed while the stage ran (report.note says which).
  void finish(size_t stage, StageReport& report);

 private:
  // For an incremental stage: the dep files new/changed/removed since its last success, written
  // to the files the stage is given (report.changed_deps_file, removed_deps_file).
  void prepare_incremental(const Stage& stage, StageReport& report);
  std::filesystem::path incremental_path(const Stage& stage, const std::string& suffix) const;

  std::vector<ArtifactVersion> hash(const std::vector<LocatedString>& paths,
                                    const std::vector<std::string>* types,
                                    const char* default_kind);

  MetadataStore& m_store;
  ObjectStore& m_objects;
  StoreDigestMemo& m_memo;
  const Pipeline& m_pipeline;
  OutputCacheOptions m_options;
};

}  // namespace mlops
