// The runner a run's stages start on: the local process runner, and — when a selected stage
// names a cluster executor (`executor: slurm`, docs/slurm.md) — a CompositeRunner that also
// holds that cluster's runner.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "exec/runner.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

// `selected`: which stages run (parallel to pipeline.stages). Cluster jobs' scripts and
// exit-code files go to WORKSPACE/.mlops/<executor>/<run_id>/; the queue poll interval comes
// from MLOPS_SLURM_POLL (seconds; default 5).
std::unique_ptr<Runner> make_stage_runner(const Pipeline& pipeline,
                                          const std::vector<bool>& selected, OutputSink& sink,
                                          const std::string& run_id);

// For a run whose mlops died (kill -9) before it could cancel them: cancels the cluster jobs it
// submitted (one `scancel --name=mlops-<run_id>`, when WORKSPACE/.mlops/slurm/<run_id>/ says it
// had some). Whether it asked Slurm to; a failure is ignored (the jobs may be gone already).
bool cancel_leftover_cluster_jobs(const std::filesystem::path& workspace,
                                  const std::string& run_id);

}  // namespace mlops
