// What a run does with the feature store between its stages (docs/feature-store.md, "In
// pipelines"):
// - after a stage that writes an out declared {path, feature_group: G} succeeds, the file is
//   ingested into G as one commit, unless the newest commit read from that path has the same
//   digest (an up-to-date stage, or a rerun that wrote the same bytes, commits nothing new);
//   either way the commit (fg://G/vN@C) is recorded as an output of the execution, which is
//   also how a commit made just before a crash reaches the metadata store on the next run;
// - after a dataset stage succeeds, the commits its manifest pins become inputs of its
//   execution, so lineage goes from the dataset to the feature runs.
// A strict validation that refuses an ingested file rejects the stage (exit 3).
#pragma once

#include <string>

#include "engine/stage_hook.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

class FeatureSteps final : public StageSuccessHook {
 public:
  FeatureSteps(const Pipeline& pipeline, std::string run_id)
      : m_pipeline(pipeline), m_run_id(std::move(run_id)) {}
  // Whether the pipeline has anything for it to do.
  static bool needed(const Pipeline& pipeline);
  Result<Outcome> after_success(size_t stage, StageReport& report) override;

 private:
  Result<Outcome> ingest(const Stage& stage, size_t out, StageReport& report);
  Status add_dataset_inputs(const Stage& stage, StageReport& report);

  const Pipeline& m_pipeline;
  std::string m_run_id;
};

}  // namespace mlops
