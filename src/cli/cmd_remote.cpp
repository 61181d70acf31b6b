// mlops push / mlops pull: cached outputs to and from a remote (docs/remotes.md).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/remote_sync.hpp"
#include "app/workspace_config.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"

namespace mlops {

namespace {

// The progress bar of a transfer on a terminal (stderr), redrawn at most ten times a second:
//   [mlops] push  120/1000 [=====>               ] 120.0 MiB of 1.0 GiB
class TransferBar {
 public:
  explicit TransferBar(const char* verb) : m_verb(verb) {}
  ~TransferBar() {
    if (m_drawn) {
      write_all(2, "\r\033[K");
    }
  }
  void operator()(const TransferProgress& progress) {
    auto now = std::chrono::steady_clock::now();
    if (progress.done != progress.total && now - m_last < std::chrono::milliseconds(100)) {
      return;
    }
    m_last = now;
    constexpr size_t width = 24;
    size_t filled = progress.total == 0 ? width : width * progress.done / progress.total;
    std::string bar(filled, '=');
    if (filled < width) {
      bar += '>';
      bar += std::string(width - filled - 1, ' ');
    }
    std::string bytes = human_size(static_cast<int64_t>(progress.bytes_done));
    if (progress.bytes_total > 0) {
      bytes += " of " + human_size(static_cast<int64_t>(progress.bytes_total));
    }
    write_all(2, fmt::format("\r\033[K[mlops] {} {}/{} [{}] {}", m_verb, progress.done,
                             progress.total, bar, bytes));
    m_drawn = true;
  }

 private:
  const char* m_verb;
  std::chrono::steady_clock::time_point m_last{};
  bool m_drawn = false;
};

}  // namespace

int transfer_command(const TransferCommand& command) {
  if (command.lock) {
    return lock_pull_command(command);
  }
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  std::vector<std::string> runs = command.runs;
  std::vector<std::string> paths;
  if (!command.push) {
    auto split = runs_and_paths(*space, command.runs);
    if (!split.ok()) {
      return report_query_error(split.error());
    }
    runs = split->first;
    paths = split->second;
  }
  auto remote = transfer_remote(*space, command.remote, runs);
  if (!remote.ok()) {
    return report_query_error(remote.error());
  }
  if (!*remote) {
    write_all(2, "mlops: error: " + no_remote_message() + "\n");
    return k_exit_invalid;
  }
  TransferRequest request{**remote, runs, command.all_runs, command.jobs, paths, {}};
  std::optional<TransferBar> bar;
  if (!command.query.json && !command.no_progress && ::isatty(2)) {
    bar.emplace(command.push ? "push" : "pull");
    request.progress = [&bar](const TransferProgress& progress) { (*bar)(progress); };
  }
  auto summary = command.push ? push_outputs(*space, request) : pull_outputs(*space, request);
  bar.reset();
  if (!summary.ok()) {
    return report_query_error(summary.error());
  }
  const char* verb = command.push ? "pushed" : "pulled";
  if (command.query.json) {
    nlohmann::json doc = {{"remote", summary->remote},
                          {"objects", summary->objects},
                          {"transferred", summary->transferred},
                          {"already", summary->already},
                          {"bytes", summary->bytes},
                          {"index_entries", summary->index_entries},
                          {"missing", summary->missing},
                          {"failed", summary->failed}};
    write_all(1, doc.dump(2) + "\n");
  } else {
    std::string index = summary->index_entries > 0
                            ? fmt::format(" (+{} run-cache entries)", summary->index_entries)
                            : "";
    write_all(1, fmt::format("{} {} of {} object(s) ({}), {} already {}; {}{}\n", verb,
                             summary->transferred, summary->objects,
                             human_size(static_cast<int64_t>(summary->bytes)), summary->already,
                             command.push ? "there" : "cached", summary->remote, index));
    for (const auto& digest : summary->missing) {
      write_all(2, command.push
                       ? fmt::format("mlops: warning: {} is on neither side (it was not cached "
                                     "when its run ran)\n",
                                     digest)
                       : fmt::format("mlops: warning: the remote lacks {} (push it from the "
                                     "machine that ran it)\n",
                                     digest));
    }
    // The same failure for many objects (a remote gone mid-transfer) is said once, counted.
    std::map<std::string, size_t> failures;
    for (const auto& message : summary->failed) {
      ++failures[message];
    }
    for (const auto& [message, count] : failures) {
      write_all(2, count == 1 ? fmt::format("mlops: error: {}\n", message)
                              : fmt::format("mlops: error: {} ({} objects)\n", message, count));
    }
    if (!command.push && summary->transferred > 0) {
      write_all(2, "restore them into the workspace with `mlops checkout RUN`\n");
    }
  }
  return summary->failed.empty() ? k_exit_success : k_exit_stage_failed;
}

}  // namespace mlops
