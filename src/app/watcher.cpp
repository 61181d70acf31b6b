#include "app/watcher.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app/pipeline_loading.hpp"
#include "app/trigger_service.hpp"
#include "spec/trigger_parser.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

// Whether `file` was modified within the last second.
bool written_just_now(const std::filesystem::path& file) {
  std::error_code error;
  auto modified = std::filesystem::last_write_time(file, error);
  if (error) {
    return false;
  }
  auto age = std::filesystem::file_time_type::clock::now() - modified;
  return age < std::chrono::seconds(1);
}

size_t max_checks(const Pipeline& pipeline) {
  // A second check may skip (forbid) or cancel (replace) the running one; with queue the
  // watcher waits for the running check to end and looks again at once.
  return pipeline.concurrency == Concurrency::Queue ? 1 : 2;
}

}  // namespace

std::string trigger_kinds(const TriggerSpecs& triggers) {
  std::vector<std::string> kinds;
  if (!triggers.git.empty())
    kinds.push_back("git");
  if (!triggers.data.empty())
    kinds.push_back("data");
  if (!triggers.schedule.empty())
    kinds.push_back("schedule");
  if (!triggers.artifact.empty())
    kinds.push_back("artifact");
  if (!triggers.drift.empty())
    kinds.push_back("drift");
  if (!triggers.metric.empty())
    kinds.push_back("metric");
  return kinds.empty() ? "no triggers" : join(kinds, ", ");
}

Watcher::Watcher(std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines,
                 WatchOptions options, CheckLauncher& launcher, const WallClock& clock,
                 WatchEvents& events)
    : m_options(std::move(options)), m_launcher(launcher), m_clock(clock), m_events(events) {
  for (auto& [file, pipeline] : pipelines) {
    if (pipeline.triggers.empty()) {
      m_events.warning(
          fmt::format("{} has no triggers; not watching it (add a 'triggers:' "
                      "block, docs/triggers.md)",
                      file.string()));
      continue;
    }
    m_events.log(fmt::format("[watch] {} ({}): {}; concurrency {}", pipeline.name, file.string(),
                             trigger_kinds(pipeline.triggers),
                             concurrency_name(pipeline.concurrency)));
    m_watched.push_back(Watched{file, std::move(pipeline), {}, {}, {}, {}});
  }
}

// Picks up edits of the pipeline file. A broken edit is reported once, and the pipeline is left
// alone until the file is fixed (a check would only fail on it). False: do not look at it now.
bool Watcher::reload(Watched& entry, SteadyPoint) {
  LoadedPipeline loaded = load_checked_pipeline(entry.file, LoadOptions{});
  if (loaded.checked) {
    if (!entry.file_problems.empty()) {
      m_events.log(fmt::format("[watch] {} is fixed; watching it again", entry.file.string()));
    }
    entry.pipeline = std::move(loaded.checked->pipeline);
    entry.file_problems.clear();
    return true;
  }
  if (written_just_now(entry.file)) {
    return false;  // perhaps an editor half-way through saving: judge it at the next look
  }
  std::string problems = diagnostics_text(loaded);
  if (problems != entry.file_problems) {
    m_events.log(fmt::format("[watch] {} has errors; not checking it until they are fixed:\n{}",
                             entry.file.string(), problems));
  }
  entry.file_problems = problems;
  return false;
}

void Watcher::look_at(Watched& entry, SteadyPoint now) {
  entry.next_look = now + m_options.interval;
  if (!reload(entry, now)) {
    return;
  }
  Peek peek = peek_pipeline_triggers(entry.pipeline, m_options.store, m_clock);
  std::string error = join(peek.errors, "; ");
  if (!error.empty() && error != entry.last_error) {
    m_events.log(fmt::format("[watch] {}: {}", entry.pipeline.name, error));
  }
  entry.last_error = error;
  if (peek.wake_at) {
    auto until = std::chrono::duration_cast<SteadyPoint::duration>(*peek.wake_at - m_clock.now());
    entry.next_look = std::min(entry.next_look, now + std::max(until, SteadyPoint::duration(0)) +
                                                    std::chrono::milliseconds(50));
  }
  if (peek.act && entry.checks.size() < max_checks(entry.pipeline)) {
    auto started = m_launcher.start(entry.file);
    if (started.ok()) {
      entry.checks.push_back(*started);
    } else {
      m_events.log(fmt::format("[watch] cannot start a trigger check for {}: {}",
                               entry.pipeline.name, started.error().message()));
    }
  }
}

SteadyPoint Watcher::look(SteadyPoint now) {
  SteadyPoint wake = SteadyPoint::max();
  for (auto& entry : m_watched) {
    if (!m_stopping && now >= entry.next_look) {
      look_at(entry, now);
    }
    wake = std::min(wake, entry.next_look);
  }
  return m_stopping ? now + std::chrono::seconds(1) : wake;
}

void Watcher::data_arrived(size_t index, SteadyPoint now) {
  if (index < m_watched.size()) {
    m_watched[index].next_look = now;
  }
}

void Watcher::check_ended(int id, int exit_code, SteadyPoint now) {
  for (auto& entry : m_watched) {
    auto it = std::find(entry.checks.begin(), entry.checks.end(), id);
    if (it == entry.checks.end()) {
      continue;
    }
    entry.checks.erase(it);
    if (exit_code != 0) {
      m_events.log(fmt::format("[watch] {}: trigger check ended with exit code {}",
                               entry.pipeline.name, exit_code));
    }
    // Look again soon: events may have come meanwhile. (Not at once: a check that found another
    // one holding the pipeline would otherwise be started again and again.)
    entry.next_look = std::min(
        entry.next_look,
        now + std::min<SteadyPoint::duration>(m_options.interval, std::chrono::seconds(1)));
  }
}

void Watcher::stop_all_checks() {
  for (auto& entry : m_watched) {
    for (int id : entry.checks) {
      m_launcher.stop(id);
    }
  }
}

void Watcher::stop_requested(const std::string& signal_name) {
  bool cancel = m_options.cancel_on_stop || m_stopping;
  if (!m_stopping) {
    m_events.log(fmt::format("[watch] {} received; {}", signal_name,
                             cancel ? "cancelling running checks and runs"
                                    : "letting running runs finish (signal again to cancel them)"));
  }
  m_stopping = true;
  if (cancel) {
    stop_all_checks();
  }
}

bool Watcher::finished() const {
  return m_stopping && std::all_of(m_watched.begin(), m_watched.end(),
                                   [](const Watched& entry) { return entry.checks.empty(); });
}

}  // namespace mlops
