#include "app/stage_runner.hpp"

#include <algorithm>
#include <cstdlib>

#include "exec/cluster_runner.hpp"
#include "exec/command.hpp"
#include "exec/composite_runner.hpp"
#include "exec/process_runner.hpp"
#include "exec/slurm_backend.hpp"
#include "util/environment.hpp"

namespace mlops {

std::unique_ptr<Runner> make_stage_runner(const Pipeline& pipeline,
                                          const std::vector<bool>& selected, OutputSink& sink,
                                          const std::string& run_id) {
  auto local = std::make_unique<ProcessRunner>(sink, ProcessRunnerOptions{});
  bool slurm = false;
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    if (i < selected.size() && selected[i] && pipeline.stages[i].executor == "slurm") {
      slurm = true;
    }
  }
  if (!slurm) {
    return local;
  }
  static const SystemClock clock;
  auto composite = std::make_unique<CompositeRunner>(std::move(local));
  auto backend = std::make_shared<SlurmBackend>(current_environment());
  ClusterRunnerOptions options;
  options.script_dir = pipeline.workspace / ".mlops" / "slurm" / run_id;
  options.job_name = "mlops-" + run_id;
  options.poll = poll_interval_from_env(std::getenv("MLOPS_SLURM_POLL"), options.poll);
  options.max_poll = std::max(options.max_poll, options.poll);
  // A dozen polls' worth of waiting for a late exit-code file, within 2 s to 60 s.
  options.evidence_grace = std::clamp(options.poll * 12, Milliseconds(2000), Milliseconds(60000));
  composite->add_cluster("slurm", std::make_unique<ClusterRunner>(*backend, sink, clock, options),
                         backend);
  return composite;
}

bool cancel_leftover_cluster_jobs(const std::filesystem::path& workspace,
                                  const std::string& run_id) {
  std::error_code error;
  if (!std::filesystem::is_directory(workspace / ".mlops" / "slurm" / run_id, error)) {
    return false;
  }
  // Every job of the run carries its name (cluster_runner: job_name), so one call finds them
  // all, including one sbatch accepted just before mlops died.
  auto cancelled = run_command({"scancel", "--name=mlops-" + run_id}, current_environment(),
                               Milliseconds(10000));
  return cancelled.ok();
}

}  // namespace mlops
