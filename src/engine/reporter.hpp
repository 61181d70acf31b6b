// What the executor tells the outside world while a run goes on. The terminal reporter prints
// it; later reporters (JSON lines, JUnit, the metadata store) implement the same interface.
// The engine never writes to stdout or stderr itself: what it has to say goes through here.
#pragma once

#include <optional>
#include <string_view>

#include "engine/run_report.hpp"
#include "exec/runner.hpp"
#include "spec/pipeline.hpp"
#include "util/clock.hpp"

namespace mlops {

// Every event has a default that ignores it, so a reporter implements only what it shows.
class Reporter : public OutputSink {
 public:
  void on_output(std::string_view /*label*/, OutputStream /*stream*/,
                 std::string_view /*lines*/) override {}
  virtual void run_started(const Pipeline& /*pipeline*/, const RunReport& /*report*/,
                           size_t /*selected*/, size_t /*jobs*/) {}
  virtual void stage_started(const Stage& /*stage*/, int /*attempt*/, int /*max_attempts*/,
                             const ProcessRequest& /*request*/, const StageReport& /*report*/) {}
  // A stage that did not run: its outputs were up to date, or restored from the cache.
  virtual void stage_cached(const Stage& /*stage*/, const StageReport& /*report*/) {}
  virtual void stage_retrying(const Stage& /*stage*/, const ProcessResult& /*result*/,
                              int /*next_attempt*/, Milliseconds /*delay*/) {}
  virtual void stage_finished(const Stage& /*stage*/, const StageReport& /*report*/) {}
  virtual void interrupted(int /*signal*/, size_t /*running*/) {}
  virtual void run_finished(const Pipeline& /*pipeline*/, const RunReport& /*report*/) {}
  // Something went wrong that does not stop the run: a stage's outputs could not be cached, a
  // dep changed while it ran, the store recorder could not write. `stage` is null for the run as
  // a whole; `message` is one line without the stage's name ("cannot cache out.bin: ...").
  virtual void warning(const Stage* /*stage*/, std::string_view /*message*/) {}
  // For a reporter with warnings of its own (the store recorder): where to tell them, so that the
  // reporters beside it (the terminal) show them. ReporterList points each of its members at
  // itself; the default ignores it.
  virtual void tell_warnings_to(Reporter& /*listener*/) {}
  // Called before the executor blocks waiting for processes. A reporter that batches writes (the
  // store recorder) writes what it has gathered, or returns when it wants to be called again at
  // the latest; the executor then wakes by that time even if no process finishes.
  virtual std::optional<SteadyTime> flush(SteadyTime /*now*/) { return std::nullopt; }
};

}  // namespace mlops
