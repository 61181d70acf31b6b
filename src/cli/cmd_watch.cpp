// mlops watch: app/watch_loop with the log on stdout, each line stamped with the UTC time.
#include <algorithm>

#include <fmt/format.h>

#include "app/watch_loop.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "util/file_io.hpp"
#include "util/strings.hpp"
#include "util/time_format.hpp"

namespace mlops {

namespace {

class CliWatchEvents final : public WatchEvents {
 public:
  explicit CliWatchEvents(const WallClock& clock) : m_clock(clock) {}
  void log(const std::string& text) override {
    std::string stamp = format_utc_iso(m_clock.now()).substr(0, 19) + "Z";
    std::string lines;
    for (const auto& line : split(text, '\n')) {
      lines += fmt::format("{} {}\n", stamp, line);
    }
    write_all(1, lines);
  }
  void warning(const std::string& text) override {
    write_all(2, fmt::format("mlops: warning: {}\n", text));
  }

 private:
  const WallClock& m_clock;
};

}  // namespace

int watch_command(const WatchCommand& command) {
  auto loaded = load_watched_pipelines(command.pipelines);
  if (!loaded || loaded->empty()) {
    return k_exit_invalid;
  }
  bool any_triggers = std::any_of(loaded->begin(), loaded->end(),
                                  [](const auto& entry) { return !entry.second.triggers.empty(); });
  SystemWallClock clock;
  CliWatchEvents events(clock);
  if (!any_triggers) {
    for (const auto& [file, pipeline] : *loaded) {
      events.warning(file.string() +
                     " has no triggers; not watching it (add a 'triggers:' "
                     "block, docs/triggers.md)");
    }
    write_all(2, "mlops: error: none of these pipelines has triggers; nothing to watch\n");
    return k_exit_invalid;
  }
  WatchOptions options{command.store, command.interval, command.cancel_on_stop, command.jobs,
                       command.quiet};
  run_watch_loop(std::move(*loaded), options, clock, events);
  return k_exit_success;
}

}  // namespace mlops
