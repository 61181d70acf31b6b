// What the executor tells the outside world while a run goes on. The terminal reporter prints
// it; later reporters (JSON lines, JUnit, the metadata store) implement the same interface.
#pragma once

#include "engine/run_report.hpp"
#include "exec/runner.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

class Reporter : public OutputSink {
 public:
  virtual void run_started(const Pipeline& pipeline, const RunReport& report, size_t selected,
                           size_t jobs) = 0;
  virtual void stage_started(const Stage& stage, int attempt, int max_attempts,
                             const ProcessRequest& request) = 0;
  virtual void stage_retrying(const Stage& stage, const ProcessResult& result, int next_attempt,
                              Milliseconds delay) = 0;
  virtual void stage_finished(const Stage& stage, const StageReport& report) = 0;
  virtual void interrupted(int signal, size_t running) = 0;
  virtual void run_finished(const Pipeline& pipeline, const RunReport& report) = 0;
};

}  // namespace mlops
