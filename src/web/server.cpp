#include "web/server.hpp"

#include <signal.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "web/http_server.hpp"
#include "web/routes.hpp"
#include "web/site.hpp"

namespace mlops::web {
namespace {

constexpr int k_threads = 16;          // pages and event streams share them
constexpr int k_max_live_clients = 8;  // so pages always have threads left

// Blocks SIGINT, SIGTERM and SIGHUP in this thread and the server threads it starts, so only
// wait_for_signal() sees them; restores the old mask when destroyed.
class BlockedSignals {
 public:
  BlockedSignals() {
    // A shell starts a background command with SIGINT ignored, and an ignored signal never
    // becomes pending, so sigtimedwait would not see it: Ctrl-C and `kill -INT` must stop the
    // server however it was started. SIGHUP keeps its disposition (nohup).
    for (int signal : {SIGINT, SIGTERM}) {
      ::signal(signal, SIG_DFL);
    }
    sigemptyset(&m_set);
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
      sigaddset(&m_set, signal);
    }
    pthread_sigmask(SIG_BLOCK, &m_set, &m_old);
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }
  // A signal received within 100 ms, else 0.
  int wait_for_signal() const {
    timespec timeout{0, 100'000'000};
    int signal = sigtimedwait(&m_set, nullptr, &timeout);
    return signal > 0 ? signal : 0;
  }

 private:
  sigset_t m_set{};
  sigset_t m_old{};
};

// `text` with bytes outside printable ASCII as '?', for a message.
std::string printable_ascii(std::string text) {
  for (char& c : text) {
    c = c >= 0x20 && c < 0x7f ? c : '?';
  }
  return text;
}

HttpResponse refuse_host(const std::string& host) {
  HttpResponse response;
  response.status = 421;
  response.content_type = "text/plain; charset=utf-8";
  response.body = fmt::format(
      "421 this server answers only to 127.0.0.1 or localhost, not '{}' (DNS rebinding)\n",
      printable_ascii(host));
  response.headers = security_headers("");
  return response;
}

}  // namespace

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

bool allowed_host_header(const std::string& header, const std::string& host, int port) {
  std::string bound = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  for (const std::string& name :
       {std::string("127.0.0.1"), std::string("localhost"), std::string("[::1]"), bound}) {
    if (header == name || header == fmt::format("{}:{}", name, port)) {
      return true;
    }
  }
  return false;
}

Result<int> serve_ui(Workspace& workspace, const UiOptions& options, const UiEvents& events) {
  BlockedSignals signals;
  auto opened = [&events](const std::string& run, int open) {
    events.info(fmt::format("live updates of run {} sent to a page ({} open)", run, open));
  };
  Site site(workspace, all_routes(), SiteLimits{k_max_live_clients, opened});
  std::atomic<bool> stopping{false};
  HttpServer server;
  bool loopback = is_loopback(options.host);
  int port = 0;
  server.set_handler(
      [&](const HttpRequest& request) {
        if (loopback && !allowed_host_header(request.host, options.host, port)) {
          return refuse_host(request.host);
        }
        return site.answer(request.target, stopping);
      },
      k_threads);
  MLOPS_TRY(bound, server.bind(options.host, options.port));
  port = *bound;
  if (!loopback) {
    events.warning(
        fmt::format("listening on {}: reachable from the network, without "
                    "authentication; anyone who can connect sees every run",
                    options.host));
  }
  std::string shown = options.host.find(':') != std::string::npos && !options.host.starts_with('[')
                          ? "[" + options.host + "]"
                          : options.host;
  events.listening(fmt::format("http://{}:{}/", shown, port));
  std::atomic<bool> ended{false};
  Status served;
  std::thread thread([&] {
    served = server.serve();
    ended = true;
  });
  int signal = 0;
  while (!ended && signal == 0) {
    signal = signals.wait_for_signal();
  }
  stopping = true;
  server.stop();
  thread.join();
  if (signal == 0 && !served.ok()) {
    return served.error();
  }
  return signal;
}

}  // namespace mlops::web
