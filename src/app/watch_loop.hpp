// Drives a Watcher (watcher.hpp) from the operating system: SIGTERM, SIGINT and SIGHUP (through
// a signalfd), inotify on the data triggers' directories (data_watches.hpp), a timer to the
// watcher's next look, and the trigger checks it starts, which run as child processes of this
// mlops binary (`mlops trigger check FILE --from-watch`, spawned through exec/) whose output is
// relayed to the events line by line.
#pragma once

#include "app/watcher.hpp"

namespace mlops {

// Runs until the watcher has been stopped by a signal and its checks have ended. The children
// are started with the same store, jobs and quietness, and with this process's test clock.
void run_watch_loop(std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines,
                    const WatchOptions& options, const WallClock& clock, WatchEvents& events);

}  // namespace mlops
