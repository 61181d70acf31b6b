// What a run does with the model registry (docs/registry.md), between its stages:
// - after a stage that writes an out declared {path, model: NAME} succeeds (ran, or up to date),
//   the out's bytes become a version of NAME (a new one when they are new);
// - after a stage with a `gate:` succeeds, the gate judges the candidate (the version of the
//   gate's model this pipeline's out holds now) against the baseline alias, records the result
//   and, when it passed and `on_pass: {promote: A}` says so, moves A to the candidate in the
//   same transaction (a compare-and-swap on the holder the gate compared with);
// - before a stage that reads ${models.NAME@SELECTOR} is decided or run, that version's bytes
//   are put at .mlops/models/NAME@SELECTOR (by the front end's materializer: restoring from the
//   object cache is the application's job).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "engine/gate_check.hpp"
#include "engine/run_report.hpp"
#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

// Makes a version's bytes available at ModelRef::path() (workspace-relative).
using ModelMaterializer =
    std::function<Status(const ModelVersionRecord& version, const ModelRef& ref)>;

class ModelSteps {
 public:
  ModelSteps(const Pipeline& pipeline, MetadataStore& store, std::string run_id, std::string actor,
             ModelMaterializer materializer);

  // Registers the versions a succeeded stage's model outs hold (`report.outputs` when it has
  // their digests, else they are hashed).
  Status register_outputs(size_t stage, const StageReport& report);
  // Judges the stage's gate; the outcome says whether it passed. An error when the gate could
  // not be judged at all (no candidate, an unreadable metrics file, the store failed). A stage
  // that did not run (up to date) repeats the verdict its gate recorded for the candidate, and
  // moves no alias: a rollback is not undone by the next run of an unchanged pipeline.
  Result<GateOutcome> judge(size_t stage, bool up_to_date);
  // Materializes the versions the stage's ${models.*} references name.
  Status prepare(size_t stage);

 private:
  Result<ModelVersionRecord> candidate_of(const std::string& model);
  Result<ModelVersionRecord> register_path(const std::string& model, const std::string& path,
                                           const std::string& stage,
                                           const std::optional<ArtifactVersion>& known);
  Result<GateOutcome> judge_once(size_t stage, const GateMetrics& metrics);
  Result<std::optional<GateOutcome>> recorded_verdict(size_t stage);
  // Why the gate must not move `alias` to `version` although it passed (a rollback moved the
  // alias away from that version), or nothing.
  Result<std::optional<std::string>> promotion_blocked(const std::string& model,
                                                       const std::string& alias, int64_t version);

  const Pipeline& m_pipeline;
  MetadataStore& m_store;
  std::string m_run_id;
  std::string m_actor;
  ModelMaterializer m_materializer;
  std::map<std::string, ModelVersionRecord> m_registered;  // by model, in this run
};

}  // namespace mlops
