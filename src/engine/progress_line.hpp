// The live status line `mlops run` keeps at the bottom of a terminal:
//
//   [mlops] 5/12 [=======>        ] 2 running: train 12s, split 1s | 4 done, 1 cached, 5 queued
//
// The terminal reporter clears it before printing anything else and draws it again after, so
// stage output is never mixed into it. Only on a terminal (never in logs or pipes).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "engine/run_report.hpp"
#include "util/clock.hpp"

namespace mlops {

class ProgressLine {
 public:
  void started(const std::string& stage, SteadyTime now) { m_running.emplace(stage, now); }
  void finished(const std::string& stage) { m_running.erase(stage); }

  // The line for a terminal `width` columns wide, without a newline; the counts come from the
  // run's report as the executor keeps it.
  std::string render(const RunReport& report, SteadyTime now, size_t width) const;

 private:
  std::map<std::string, SteadyTime> m_running;
};

}  // namespace mlops
