// One Runner for a pipeline whose stages run in different places: each request goes to the
// runner of its executor (ProcessRequest::executor): "" and "local" to the local runner, a
// cluster executor's name ("slurm") to its ClusterRunner.
//
// Waiting: the local runner is the one that reads mlops's signals (exec/process_runner.hpp), so
// the composite always sleeps in it, waking when the cluster runners next need to look at their
// jobs (ClusterRunner::next_check), and then lets them look without sleeping. An interrupt
// reaches the engine as with the local runner alone; cancel_all() cancels everywhere (one
// scheduler call per cluster).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exec/cluster_runner.hpp"
#include "exec/runner.hpp"

namespace mlops {

class CompositeRunner final : public Runner {
 public:
  explicit CompositeRunner(std::unique_ptr<Runner> local);

  // Adds the runner of cluster executor `name`; `owned` is kept alive as long as the runner
  // (its backend, typically).
  void add_cluster(const std::string& name, std::unique_ptr<ClusterRunner> runner,
                   std::shared_ptr<void> owned = nullptr);

  void start(const ProcessRequest& request) override;
  WaitResult wait(std::optional<SteadyTime> until) override;
  void cancel_all() override;
  size_t active() const override;

 private:
  std::unique_ptr<Runner> m_local;
  std::vector<std::shared_ptr<void>> m_owned;  // outlives the cluster runners that use it
  std::map<std::string, std::unique_ptr<ClusterRunner>> m_clusters;
  std::vector<ProcessResult> m_refused;  // requests for an executor nobody runs
};

}  // namespace mlops
