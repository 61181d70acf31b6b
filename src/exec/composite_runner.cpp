#include "exec/composite_runner.hpp"

#include <fmt/format.h>

namespace mlops {

CompositeRunner::CompositeRunner(std::unique_ptr<Runner> local) : m_local(std::move(local)) {}

void CompositeRunner::add_cluster(const std::string& name, std::unique_ptr<ClusterRunner> runner,
                                  std::shared_ptr<void> owned) {
  m_clusters[name] = std::move(runner);
  if (owned) {
    m_owned.push_back(std::move(owned));
  }
}

void CompositeRunner::start(const ProcessRequest& request) {
  if (request.executor.empty() || request.executor == k_local_executor) {
    m_local->start(request);
    return;
  }
  auto it = m_clusters.find(request.executor);
  if (it == m_clusters.end()) {
    ProcessResult result;
    result.token = request.token;
    result.outcome = ProcessOutcome::FailedToStart;
    result.exit_code = 127;
    result.message = fmt::format("no runner for executor '{}'", request.executor);
    m_refused.push_back(std::move(result));
    return;
  }
  it->second->start(request);
}

WaitResult CompositeRunner::wait(std::optional<SteadyTime> until) {
  WaitResult result;
  result.finished = std::move(m_refused);
  m_refused.clear();
  while (true) {
    std::optional<SteadyTime> deadline = until;
    for (auto& [name, cluster] : m_clusters) {
      auto next = cluster->next_check();
      if (next && (!deadline || *next < *deadline)) {
        deadline = next;
      }
    }
    if (!result.finished.empty()) {
      deadline = std::chrono::steady_clock::now();  // only look, do not sleep
    }
    WaitResult local = m_local->wait(deadline);
    result.interrupt_signal = local.interrupt_signal;
    for (auto& finished : local.finished) {
      result.finished.push_back(std::move(finished));
    }
    SteadyTime now = std::chrono::steady_clock::now();
    for (auto& [name, cluster] : m_clusters) {
      if (cluster->active() > 0) {
        WaitResult waited = cluster->wait(now);
        for (auto& finished : waited.finished) {
          result.finished.push_back(std::move(finished));
        }
        if (result.interrupt_signal == 0) {
          result.interrupt_signal = waited.interrupt_signal;
        }
      }
    }
    if (!result.finished.empty() || result.interrupt_signal != 0 || (until && now >= *until) ||
        active() == 0) {
      return result;
    }
  }
}

void CompositeRunner::cancel_all() {
  m_local->cancel_all();
  for (auto& [name, cluster] : m_clusters) {
    cluster->cancel_all();
  }
}

size_t CompositeRunner::active() const {
  size_t count = m_local->active() + m_refused.size();
  for (const auto& [name, cluster] : m_clusters) {
    count += cluster->active();
  }
  return count;
}

}  // namespace mlops
