// Runners that start no process: FakeRunner, which plays scripted outcomes on a FakeClock for
// scheduler tests, and DryRunRunner, which reports every request as done at once so that
// `mlops run --dry-run` walks exactly the schedule a real run would.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "exec/runner.hpp"
#include "util/clock.hpp"

namespace mlops {

class FakeRunner final : public Runner {
 public:
  struct Script {
    Milliseconds duration{1000};
    ProcessOutcome outcome = ProcessOutcome::Exited;
    int exit_code = 0;
  };

  explicit FakeRunner(FakeClock& clock) : m_clock(clock) {}

  // Outcomes for successive attempts of `label`; the last one repeats. Default: success in 1s.
  void script(const std::string& label, std::vector<Script> attempts) {
    m_scripts[label] = std::move(attempts);
  }
  // The next wait() after the n-th start reports `signal` as an interrupt.
  void interrupt_after_starts(size_t starts, int signal) {
    m_interrupt_after = starts;
    m_interrupt_signal = signal;
  }
  // The next wait() after the n-th result reports `signal` as an interrupt.
  void interrupt_after_results(size_t results, int signal) {
    m_interrupt_after_results = results;
    m_interrupt_signal = signal;
  }

  void start(const ProcessRequest& request) override;
  WaitResult wait(std::optional<SteadyTime> until) override;
  void cancel_all() override;
  size_t active() const override { return m_running.size(); }

  // What happened, for assertions.
  std::vector<std::string> started;              // labels, in start order
  std::vector<SteadyTime> start_times;           // parallel to `started`
  std::vector<ProcessRequest> requests;          // parallel to `started`
  std::vector<std::optional<SteadyTime>> waits;  // the `until` of every wait()
  size_t max_concurrent = 0;
  size_t cancel_calls = 0;

 private:
  struct Running {
    ProcessRequest request;
    SteadyTime finish_at;
    Script script;
    SteadyTime started;
  };

  FakeClock& m_clock;
  std::map<std::string, std::vector<Script>> m_scripts;
  std::map<std::string, size_t> m_attempts;
  std::vector<Running> m_running;
  size_t m_interrupt_after = 0;
  size_t m_interrupt_after_results = 0;
  size_t m_results = 0;
  int m_interrupt_signal = 0;
  bool m_cancelled = false;
};

class DryRunRunner final : public Runner {
 public:
  void start(const ProcessRequest& request) override;
  WaitResult wait(std::optional<SteadyTime> until) override;
  void cancel_all() override {}
  size_t active() const override { return m_done.size(); }

 private:
  std::deque<ProcessResult> m_done;
};

}  // namespace mlops
