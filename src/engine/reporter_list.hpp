// A Reporter that passes every event on to several others, in order (the terminal, the store).
// A member's own warnings (Reporter::tell_warnings_to) go to the list, and so to every member.
#pragma once

#include <vector>

#include "engine/reporter.hpp"

namespace mlops {

// Not final: a reporter that changes one event and passes on the rest derives from it.
class ReporterList : public Reporter {
 public:
  explicit ReporterList(std::vector<Reporter*> reporters) : m_reporters(std::move(reporters)) {
    for (auto* r : m_reporters)
      r->tell_warnings_to(*this);
  }
  ReporterList(const ReporterList&) = delete;  // its members hold its address
  ReporterList& operator=(const ReporterList&) = delete;

  void on_output(std::string_view label, OutputStream stream, std::string_view lines) override {
    for (auto* r : m_reporters)
      r->on_output(label, stream, lines);
  }
  void on_started(size_t token, const StartedProcess& process) override {
    for (auto* r : m_reporters)
      r->on_started(token, process);
  }
  void run_started(const Pipeline& p, const RunReport& report, size_t selected,
                   size_t jobs) override {
    for (auto* r : m_reporters)
      r->run_started(p, report, selected, jobs);
  }
  void stage_started(const Stage& stage, int attempt, int max_attempts,
                     const ProcessRequest& request, const StageReport& report) override {
    for (auto* r : m_reporters)
      r->stage_started(stage, attempt, max_attempts, request, report);
  }
  void stage_cached(const Stage& stage, const StageReport& report) override {
    for (auto* r : m_reporters)
      r->stage_cached(stage, report);
  }
  void stage_retrying(const Stage& stage, const ProcessResult& result, int next_attempt,
                      Milliseconds delay) override {
    for (auto* r : m_reporters)
      r->stage_retrying(stage, result, next_attempt, delay);
  }
  void stage_finished(const Stage& stage, const StageReport& report) override {
    for (auto* r : m_reporters)
      r->stage_finished(stage, report);
  }
  void interrupted(int signal, size_t running) override {
    for (auto* r : m_reporters)
      r->interrupted(signal, running);
  }
  std::optional<SteadyTime> flush(SteadyTime now) override {
    std::optional<SteadyTime> earliest;
    for (auto* r : m_reporters) {
      auto next = r->flush(now);
      if (next && (!earliest || *next < *earliest)) {
        earliest = next;
      }
    }
    return earliest;
  }
  void run_finished(const Pipeline& p, const RunReport& report) override {
    for (auto* r : m_reporters)
      r->run_finished(p, report);
  }
  void warning(const Stage* stage, std::string_view message) override {
    for (auto* r : m_reporters)
      r->warning(stage, message);
  }

 private:
  std::vector<Reporter*> m_reporters;
};

}  // namespace mlops
