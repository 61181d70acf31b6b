// The wall clock that schedules and trigger state use, as an interface so that services can be
// tested with a clock the test sets. SystemWallClock is the real one; tests of the whole binary
// move it: with MLOPS_ENABLE_TEST_HOOKS=1 in the environment, MLOPS_TEST_NOW=2026-11-24T02:00:00Z
// sets the time at which this process started, and the clock runs on from there.
#pragma once

#include <chrono>

namespace mlops {

using WallTimePoint = std::chrono::system_clock::time_point;

class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual WallTimePoint now() const = 0;
};

class SystemWallClock final : public WallClock {
 public:
  WallTimePoint now() const override;
};

// A wall clock that moves only when told to; for tests.
class FakeWallClock final : public WallClock {
 public:
  explicit FakeWallClock(WallTimePoint start) : m_now(start) {}
  WallTimePoint now() const override { return m_now; }
  void advance(std::chrono::system_clock::duration by) { m_now += by; }

 private:
  WallTimePoint m_now;
};

// SystemWallClock's time (kept for code that has no clock passed in).
WallTimePoint wall_now();

}  // namespace mlops
