#include "engine/progress_line.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "util/duration.hpp"
#include "util/strings.hpp"

namespace mlops {

std::string ProgressLine::render(const RunReport& report, SteadyTime now, size_t width) const {
  size_t total = 0, done = 0, cached = 0, failed = 0, skipped = 0;
  for (const auto& stage : report.stages) {
    total += stage.status != StageStatus::NotSelected;
    done += stage.status == StageStatus::Succeeded && !stage.cached;
    cached += stage.status == StageStatus::Succeeded && stage.cached;
    failed += stage.status == StageStatus::Failed || stage.status == StageStatus::Cancelled ||
              stage.status == StageStatus::Rejected;
    skipped += stage.status == StageStatus::Skipped;
  }
  size_t finished = done + cached + failed + skipped;
  size_t queued = total > finished + m_running.size() ? total - finished - m_running.size() : 0;
  constexpr size_t k_bar = 16;
  size_t filled = total == 0 ? 0 : std::min(k_bar, finished * k_bar / total);
  std::string bar = std::string(filled, '=') + (filled < k_bar ? ">" : "") +
                    std::string(k_bar - filled - (filled < k_bar ? 1 : 0), ' ');

  // Longest-running first: those are the ones worth watching.
  std::vector<std::pair<std::string, SteadyTime>> running(m_running.begin(), m_running.end());
  std::sort(running.begin(), running.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  std::vector<std::string> names;
  for (const auto& [name, since] : running) {
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - since);
    names.push_back(elapsed.count() < 60 ? fmt::format("{} {}s", name, elapsed.count())
                                         : fmt::format("{} {}", name, format_duration(elapsed)));
  }
  std::vector<std::string> counts = {fmt::format("{} done", done)};
  if (cached)
    counts.push_back(fmt::format("{} cached", cached));
  if (failed)
    counts.push_back(fmt::format("{} failed", failed));
  if (skipped)
    counts.push_back(fmt::format("{} skipped", skipped));
  counts.push_back(fmt::format("{} queued", queued));

  std::string head = fmt::format("[mlops] {}/{} [{}] ", finished, total, bar);
  std::string tail = " | " + join(counts, ", ");
  std::string middle = fmt::format("{} running", running.size());
  if (!names.empty()) {
    middle += ": " + join(names, ", ");
  }
  // Cut the list of running stages, never the counts, to fit the width.
  size_t room = width > head.size() + tail.size() + 1 ? width - head.size() - tail.size() - 1 : 0;
  if (middle.size() > room) {
    middle = room > 3 ? middle.substr(0, room - 3) + "..." : "";
  }
  std::string line = head + middle + tail;
  if (width > 1 && line.size() > width - 1) {
    line.resize(width - 1);
  }
  return line;
}

}  // namespace mlops
