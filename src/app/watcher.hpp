// `mlops watch` as a service: the trigger check in a loop. The watcher itself only evaluates
// (reads the store); when a pipeline's triggers call for action it starts a trigger check of
// that pipeline through a CheckLauncher. The real launcher (watch_loop.hpp) runs each check as
// a child `mlops trigger check FILE` process, which takes the same locks and writes the same
// state as a check from cron, so a watcher and a crontab can even run side by side.
//
// Watcher is the decision logic alone, driven by calls (a look at the clock, data arriving, a
// check ending, a stop request), so that it is tested with a fake clock and a fake launcher;
// watch_loop.hpp drives it from signals, inotify and the children's pipes.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "spec/pipeline.hpp"
#include "util/duration.hpp"
#include "util/error.hpp"
#include "util/wall_clock.hpp"

namespace mlops {

struct WatchOptions {
  std::optional<std::filesystem::path> store;
  Milliseconds interval{5000};
  bool cancel_on_stop = true;  // on the first stop request: cancel running checks and runs
  size_t jobs = 0;
  bool quiet = false;
};

// Starts trigger checks; ids name them until the watcher hears they ended.
class CheckLauncher {
 public:
  virtual ~CheckLauncher() = default;
  // An Io error when the check could not be started (the message says why).
  virtual Result<int> start(const std::filesystem::path& file) = 0;
  // Asks a running check to stop (its runs are cancelled and recorded).
  virtual void stop(int id) = 0;
};

// The watcher's log: one line of text each (the front end adds the time).
class WatchEvents {
 public:
  virtual ~WatchEvents() = default;
  virtual void log(const std::string& text) = 0;
  // A problem with the watcher's set-up (a pipeline left out).
  virtual void warning(const std::string& text) { log("[watch] warning: " + text); }
};

using SteadyPoint = std::chrono::steady_clock::time_point;

class Watcher {
 public:
  // Pipelines without triggers are left out with a warning in the log.
  Watcher(std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines, WatchOptions options,
          CheckLauncher& launcher, const WallClock& clock, WatchEvents& events);

  struct Watched {
    std::filesystem::path file;
    Pipeline pipeline;
    std::vector<int> checks;  // running check ids
    SteadyPoint next_look{};
    std::string last_error;
    std::string file_problems;  // the diagnostics of a broken edit, reported once
  };
  const std::vector<Watched>& watched() const { return m_watched; }

  // Looks at every pipeline whose time has come (re-reading its file, evaluating its triggers,
  // starting a check when they call for one); returns when to look next.
  SteadyPoint look(SteadyPoint now);
  // Something changed under a data trigger of watched()[index]: look at it at once.
  void data_arrived(size_t index, SteadyPoint now);
  // A check ended with `exit_code` (128 + signal when killed).
  void check_ended(int id, int exit_code, SteadyPoint now);
  // SIGTERM/SIGINT: the first stops starting checks (and, with cancel_on_stop, stops the running
  // ones); a second stops the running ones in any case.
  void stop_requested(const std::string& signal_name);
  bool stopping() const { return m_stopping; }
  // Stopping, and no check is running any more.
  bool finished() const;

 private:
  void look_at(Watched& entry, SteadyPoint now);
  bool reload(Watched& entry, SteadyPoint now);
  void stop_all_checks();

  std::vector<Watched> m_watched;
  WatchOptions m_options;
  CheckLauncher& m_launcher;
  const WallClock& m_clock;
  WatchEvents& m_events;
  bool m_stopping = false;
};

// "git, data, schedule" for the kinds of triggers a pipeline has.
std::string trigger_kinds(const TriggerSpecs& triggers);

}  // namespace mlops
