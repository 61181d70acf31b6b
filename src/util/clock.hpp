// Time as the scheduler sees it. The engine asks a Clock instead of std::chrono directly so that
// retry delays and timeouts can be tested with a clock the test advances.
#pragma once

#include <chrono>

namespace mlops {

using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
};

// A clock that moves only when told to; for tests.
class FakeClock final : public Clock {
 public:
  SteadyTime now() const override { return m_now; }
  void advance(std::chrono::steady_clock::duration by) { m_now += by; }
  void advance_to(SteadyTime when) {
    if (when > m_now) {
      m_now = when;
    }
  }

 private:
  SteadyTime m_now{};
};

}  // namespace mlops
