// Live updates of a running run's page: /events/runs/{id} is a server-sent event stream fed by
// polling the store about every 300 ms (runs are written by other mlops processes; there is
// nothing to subscribe to). Events, each `data:` one line of JSON:
//   stage  {"stage", "status", "attempt"}  a stage's status changed (or was first seen)
//   log    {"stage", "text"}               the tail of a stage's log changed (secrets redacted)
//   run    {"id", "status"}                the run's status (first, and when it ends)
//   end    {}                              the run is over; the stream closes
// The run page's script (live_script) applies them in place, without a reload.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "web/http_server.hpp"

namespace mlops::web {

class Site;

class LiveRunStream {
 public:
  LiveRunStream(Site& site, std::string run_name);
  // Sends what changed since the last call (everything on the first), waiting up to the poll
  // interval first (except on the first call). False when the stream is over: the run ended
  // (after `end`), it does not exist, the client went away, or `stopping` was set.
  bool next(const StreamSink& sink, const std::atomic<bool>& stopping);

 private:
  // The events for what changed; sets `over` when the run is no longer running.
  std::string poll(bool& over);
  Site& m_site;
  std::string m_run_name;
  std::string m_run_id;
  bool m_first = true;
  std::map<std::string, std::string> m_stage_status;  // stage -> "status/attempt"
  std::map<std::string, std::string> m_log_tail;
  std::optional<std::vector<std::string>> m_secrets;  // hidden in logs; read on the first poll
  std::chrono::steady_clock::time_point m_last_sent;
};

// The run page's script: subscribes when the run status element says "running".
const char* live_script();

}  // namespace mlops::web
