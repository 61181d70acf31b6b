#include "app/run_processes.hpp"

#include <fmt/format.h>

#include "exec/process_table.hpp"

namespace mlops {
namespace {

bool same_boot(const RunRecord& run) {
  std::string current = boot_id();
  return run.boot_id && !current.empty() && *run.boot_id == current;
}

}  // namespace

bool owner_is_running(const RunRecord& run) {
  if (!run.owner_start_ticks || run.owner_pid <= 1 || !same_boot(run)) {
    return false;
  }
  auto owner = read_process_info(static_cast<pid_t>(run.owner_pid));
  return owner && owner->state != 'Z' &&
         owner->start_ticks == static_cast<uint64_t>(*run.owner_start_ticks);
}

bool signal_owner(const RunRecord& run, int signal) {
  if (!owner_is_running(run)) {
    return false;
  }
  return signal_if_same(
      {static_cast<pid_t>(run.owner_pid), static_cast<uint64_t>(*run.owner_start_ticks)}, signal);
}

size_t kill_run_leftovers(MetadataStore& store, const RunRecord& run) {
  if (!run.owner_start_ticks || run.owner_pid <= 1 || !same_boot(run)) {
    return 0;
  }
  LeftoverSelector selector;
  selector.tag = fmt::format("{}.{}.", run.owner_pid, *run.owner_start_ticks);
  selector.tag_match = TagMatch::Prefix;
  // Executions that ended had what they left killed by their live mlops; those still running
  // were cut short with it.
  if (auto executions = store.executions_of(run.id); executions.ok()) {
    for (const auto& execution : *executions) {
      if (execution.status == "running" && execution.pid && execution.pid_start_ticks) {
        selector.leaders.push_back({static_cast<pid_t>(*execution.pid),
                                    static_cast<uint64_t>(*execution.pid_start_ticks)});
      }
    }
  }
  return kill_leftovers(selector, LeftoverScope::Everywhere);
}

}  // namespace mlops
