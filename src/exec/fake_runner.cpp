#include "exec/fake_runner.hpp"

#include <algorithm>

namespace mlops {

void FakeRunner::start(const ProcessRequest& request) {
  size_t attempt = m_attempts[request.label]++;
  Script script;
  auto it = m_scripts.find(request.label);
  if (it != m_scripts.end() && !it->second.empty()) {
    script = it->second[std::min(attempt, it->second.size() - 1)];
  }
  started.push_back(request.label);
  start_times.push_back(m_clock.now());
  requests.push_back(request);
  m_running.push_back({request, m_clock.now() + script.duration, script, m_clock.now()});
  max_concurrent = std::max(max_concurrent, m_running.size());
}

WaitResult FakeRunner::wait(std::optional<SteadyTime> until) {
  waits.push_back(until);
  WaitResult result;
  if (m_interrupt_signal != 0 && started.size() >= m_interrupt_after &&
      m_results >= m_interrupt_after_results) {
    result.interrupt_signal = m_interrupt_signal;
    m_interrupt_signal = 0;
    return result;
  }
  if (m_running.empty()) {
    if (until) {
      m_clock.advance_to(*until);
    }
    return result;
  }
  if (m_cancelled) {
    for (auto& process : m_running) {
      ProcessResult done;
      done.token = process.request.token;
      done.outcome = ProcessOutcome::Cancelled;
      result.finished.push_back(done);
    }
    m_running.clear();
    return result;
  }
  auto first = std::min_element(
      m_running.begin(), m_running.end(),
      [](const Running& a, const Running& b) { return a.finish_at < b.finish_at; });
  SteadyTime finish = first->finish_at;
  if (until && *until < finish) {
    m_clock.advance_to(*until);
    return result;
  }
  m_clock.advance_to(finish);
  for (auto it = m_running.begin(); it != m_running.end();) {
    if (it->finish_at != finish) {
      ++it;
      continue;
    }
    ProcessResult done;
    done.token = it->request.token;
    done.outcome = it->script.outcome;
    done.exit_code = it->script.exit_code;
    done.duration = std::chrono::duration_cast<Milliseconds>(finish - it->started);
    if (done.outcome != ProcessOutcome::Exited || done.exit_code != 0) {
      done.stderr_tail = {"scripted failure of " + it->request.label};
    }
    result.finished.push_back(done);
    ++m_results;
    it = m_running.erase(it);
  }
  return result;
}

void FakeRunner::cancel_all() {
  ++cancel_calls;
  m_cancelled = true;
}

void DryRunRunner::start(const ProcessRequest& request) {
  ProcessResult result;
  result.token = request.token;
  m_done.push_back(result);
}

WaitResult DryRunRunner::wait(std::optional<SteadyTime>) {
  WaitResult result;
  while (!m_done.empty()) {
    result.finished.push_back(m_done.front());
    m_done.pop_front();
  }
  return result;
}

}  // namespace mlops
