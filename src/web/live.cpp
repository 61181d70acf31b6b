#include "web/live.hpp"

#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/log_tail.hpp"
#include "app/queries.hpp"
#include "util/json_text.hpp"
#include "web/site.hpp"

namespace mlops::web {
namespace {

constexpr auto k_poll = std::chrono::milliseconds(300);
// A page that went away (closed, reloaded) is noticed only when a write to it fails, and holds
// one of the few live slots until then: 10 s made a page reloaded 8 times in a row get 503.
constexpr auto k_keepalive = std::chrono::seconds(1);
constexpr size_t k_live_log_bytes = 4096;

std::string event(const char* name, const nlohmann::json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", name, json_text(data));
}

}  // namespace

LiveRunStream::LiveRunStream(Site& site, std::string run_name)
    : m_site(site), m_run_name(std::move(run_name)) {}

std::string LiveRunStream::poll(bool& over) {
  std::lock_guard lock(m_site.store_mutex());
  MetadataStore& store = *m_site.workspace().store();
  if (m_run_id.empty()) {
    auto id = resolve_run(store, m_run_name);
    if (!id.ok()) {
      over = true;
      return event("end", {{"error", id.error().message()}});
    }
    m_run_id = *id;
  }
  auto run = store.find_run(m_run_id);
  auto executions = store.executions_of(m_run_id);
  if (!run.ok() || !run->has_value() || !executions.ok()) {
    over = true;
    return event("end", {{"error", "cannot read the run from the store"}});
  }
  if (!m_secrets) {
    m_secrets = run_log_secrets(m_site.workspace(), (*run)->pipeline_file);
  }
  std::string out;
  for (const ExecutionRecord& execution : *executions) {  // attempts in order: the last wins
    std::string state = fmt::format("{}/{}", execution.status, execution.attempt);
    if (m_stage_status[execution.stage] != state) {
      m_stage_status[execution.stage] = state;
      out += event("stage", {{"stage", execution.stage},
                             {"status", execution.cached ? "cached" : execution.status},
                             {"attempt", execution.attempt}});
    }
    auto tail = log_tail(m_site.workspace(), execution, k_live_log_bytes, *m_secrets);
    std::string text = tail.ok() ? *tail : tail.error().message();
    if (!text.empty() && m_log_tail[execution.stage] != text) {
      m_log_tail[execution.stage] = text;
      out += event("log", {{"stage", execution.stage}, {"text", text}});
    }
  }
  const std::string& status = (*run)->status;
  if (m_first || status != "running") {
    out += event("run", {{"id", m_run_id}, {"status", status}});
  }
  if (status != "running") {
    over = true;
    out += event("end", nlohmann::json::object());
  }
  return out;
}

bool LiveRunStream::next(const StreamSink& sink, const std::atomic<bool>& stopping) {
  if (!m_first) {
    for (auto waited = std::chrono::milliseconds(0); waited < k_poll && !stopping;
         waited += std::chrono::milliseconds(50)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (stopping) {
    return false;
  }
  bool over = false;
  std::string events = poll(over);
  m_first = false;
  auto now = std::chrono::steady_clock::now();
  if (events.empty() && now - m_last_sent >= k_keepalive) {
    events = ": still running\n\n";  // a comment: finds clients that went away
  }
  if (!events.empty()) {
    m_last_sent = now;
    if (!sink(events)) {
      return false;
    }
  }
  return !over;
}

const char* live_script() {
  return R"js(
(function () {
  var key = 'mlops-page-loads:' + location.pathname;
  try {
    var loads = Number(sessionStorage.getItem(key) || 0) + 1;
    sessionStorage.setItem(key, String(loads));
    document.body.setAttribute('data-page-loads', String(loads));
  } catch (e) {}
  var run = document.getElementById('run-status');
  if (!run || run.getAttribute('data-status') !== 'running' || !window.EventSource) return;
  var updates = 0;
  function bump() { updates += 1; document.body.setAttribute('data-live-updates', String(updates)); }
  function find(attribute, stage) {
    var found = null;
    document.querySelectorAll('[' + attribute + ']').forEach(function (element) {
      if (element.getAttribute(attribute) === stage) found = element;
    });
    return found;
  }
  function setStatus(element, status) {
    element.textContent = status;
    element.className = 'status ' + status.replace(/ /g, '-');
    element.setAttribute('data-status', status);
  }
  function row(stage) {
    var cell = find('data-stage-status', stage);
    if (cell) return cell;
    var tr = document.createElement('tr');
    var name = document.createElement('td'); name.textContent = stage;
    var statusCell = document.createElement('td'); var badge = document.createElement('span');
    badge.setAttribute('data-stage-status', stage); statusCell.appendChild(badge);
    var logCell = document.createElement('td'); var pre = document.createElement('pre');
    pre.className = 'log'; pre.setAttribute('data-stage-log', stage); logCell.appendChild(pre);
    tr.appendChild(name); tr.appendChild(statusCell); tr.appendChild(logCell);
    document.getElementById('live-stages').appendChild(tr);
    return badge;
  }
  var source = new EventSource(run.getAttribute('data-events'));
  source.addEventListener('stage', function (e) {
    var d = JSON.parse(e.data); setStatus(row(d.stage), d.status); bump();
  });
  source.addEventListener('log', function (e) {
    var d = JSON.parse(e.data); row(d.stage); find('data-stage-log', d.stage).textContent = d.text; bump();
  });
  source.addEventListener('run', function (e) {
    var d = JSON.parse(e.data); setStatus(run, d.status); bump();
  });
  source.addEventListener('end', function () {
    source.close(); document.body.setAttribute('data-live', 'ended');
  });
})();
)js";
}

}  // namespace mlops::web
