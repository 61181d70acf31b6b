#include "engine/run_report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mlops {

const char* stage_status_name(StageStatus status) {
  switch (status) {
    case StageStatus::NotSelected:
      return "not selected";
    case StageStatus::Pending:
      return "not started";
    case StageStatus::Running:
      return "running";
    case StageStatus::Succeeded:
      return "succeeded";
    case StageStatus::Failed:
      return "failed";
    case StageStatus::Cancelled:
      return "cancelled";
    case StageStatus::Skipped:
      return "skipped";
    case StageStatus::Rejected:
      return "rejected";
  }
  return "unknown";
}

size_t RunReport::count(StageStatus status) const {
  return static_cast<size_t>(std::count_if(
      stages.begin(), stages.end(), [&](const StageReport& s) { return s.status == status; }));
}

int RunReport::exit_code() const {
  if (interrupt_signal != 0) {
    return 128 + interrupt_signal;
  }
  if (count(StageStatus::Failed) > 0) {
    return 1;
  }
  return count(StageStatus::Rejected) > 0 ? 3 : 0;
}

const char* RunReport::status_name() const {
  return interrupt_signal != 0              ? "cancelled"
         : count(StageStatus::Failed) > 0   ? "failed"
         : count(StageStatus::Rejected) > 0 ? "rejected"
                                            : "succeeded";
}

std::string describe_failure(const ProcessResult& result) {
  switch (result.outcome) {
    case ProcessOutcome::Exited:
      return fmt::format("exit code {}", result.exit_code);
    case ProcessOutcome::TimedOut:
      return fmt::format("timed out after {}", format_duration(result.duration));
    case ProcessOutcome::Cancelled:
      return "cancelled";
    case ProcessOutcome::Signaled:
    case ProcessOutcome::FailedToStart:
    case ProcessOutcome::MissingOutputs:
      return result.message;
  }
  return result.message;
}

}  // namespace mlops
