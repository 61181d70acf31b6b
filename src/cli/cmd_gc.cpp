// mlops gc: remove cached objects and logs that no kept run, and not the workspace, needs.
// The store's history stays: gc frees disk space, it does not forget what ran.
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cache/object_store.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/store_access.hpp"
#include "engine/store_digest_memo.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

uint64_t size_of(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error)) {
    return std::filesystem::file_size(path, error);
  }
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(path, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file(error)) {
      total += it->file_size(error);
    }
  }
  return total;
}

}  // namespace

int gc_command(const GcCommand& command) {
  auto store = open_existing_store(command.query);
  if (!store) {
    return k_exit_invalid;
  }
  auto runs = store->list_runs({std::nullopt, std::nullopt, 1'000'000});
  if (!runs.ok()) {
    return report_query_error(runs.error());
  }
  // Which runs are kept: the newest N of each pipeline and those younger than D days (either
  // rule keeps a run); with neither option, every run.
  std::string cutoff;
  if (command.keep_days) {
    cutoff = format_utc_iso(std::chrono::system_clock::now() -
                            std::chrono::hours(24) * static_cast<int>(*command.keep_days));
  }
  std::map<std::string, int> seen_per_pipeline;
  std::set<std::string> kept;
  for (const auto& run : *runs) {  // newest first
    int rank = seen_per_pipeline[run.pipeline]++;
    bool keep = !command.keep_last && !command.keep_days;
    keep = keep || (command.keep_last && rank < *command.keep_last);
    keep = keep || (command.keep_days && run.started_at >= cutoff);
    keep = keep || run.status == "running";
    if (keep) {
      kept.insert(run.id);
    }
  }
  // What they need, and what the workspace holds now.
  std::filesystem::path workspace = current_workspace();
  ObjectStore objects(workspace / ".mlops" / "cache");
  std::set<std::string> needed;
  std::vector<std::pair<std::string, bool>> roots;  // digest, directory
  for (const auto& id : kept) {
    auto outputs = store->outputs_of_run(id);
    if (!outputs.ok()) {
      return report_query_error(outputs.error());
    }
    for (const auto& output : *outputs) {
      roots.emplace_back(output.digest, output.kind == "directory");
    }
  }
  // The workspace: whatever version each recorded path holds now (perhaps checked out from an
  // old run) stays restorable.
  auto paths = store->latest_artifacts("");
  StoreDigestMemo memo(*store);
  if (paths.ok()) {
    for (const auto& artifact : *paths) {
      auto now = digest_path(workspace / artifact.path, &memo);
      if (now.ok()) {
        roots.emplace_back(now->digest.hex(), now->is_directory);
      }
    }
  }
  for (const auto& [digest, directory] : roots) {
    needed.insert(digest);
    if (!directory) {
      continue;
    }
    auto manifest = read_file(objects.object_path(digest).string() + ".dir", 64 << 20);
    if (!manifest.ok()) {
      continue;
    }
    auto entries = nlohmann::json::parse(*manifest, nullptr, false);
    for (const auto& entry : entries) {
      if (entry.contains("digest")) {
        needed.insert(entry["digest"].get<std::string>());
      }
    }
  }

  uint64_t freed = 0;
  size_t removed_objects = 0;
  std::error_code error;
  std::filesystem::path object_root = workspace / ".mlops" / "cache" / "objects";
  for (auto it = std::filesystem::recursive_directory_iterator(object_root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error)) {
      continue;
    }
    std::string name = it->path().filename().string();
    std::string digest = it->path().parent_path().filename().string() + name.substr(0, 30);
    bool temporary = name.find(".tmp-") != std::string::npos;
    if (!temporary && needed.count(digest)) {
      continue;
    }
    freed += size_of(it->path());
    ++removed_objects;
    if (!command.dry_run) {
      std::filesystem::remove(it->path(), error);
    }
  }
  size_t removed_logs = 0;
  for (auto& entry : std::filesystem::directory_iterator(workspace / ".mlops" / "logs", error)) {
    if (kept.count(entry.path().filename().string())) {
      continue;
    }
    freed += size_of(entry.path());
    ++removed_logs;
    if (!command.dry_run) {
      std::filesystem::remove_all(entry.path(), error);
    }
  }
  if (command.query.json) {
    write_all(1, nlohmann::json{{"dry_run", command.dry_run},
                                {"freed_bytes", freed},
                                {"objects_removed", removed_objects},
                                {"log_directories_removed", removed_logs},
                                {"runs_kept", kept.size()},
                                {"runs", runs->size()}}
                         .dump(2) +
                     "\n");
    return k_exit_success;
  }
  write_all(1, fmt::format("{} {} in {} cached object{} and {} log director{}; kept {} of {} "
                           "runs\n",
                           command.dry_run ? "would free" : "freed",
                           human_size(static_cast<int64_t>(freed)), removed_objects,
                           removed_objects == 1 ? "" : "s", removed_logs,
                           removed_logs == 1 ? "y" : "ies", kept.size(), runs->size()));
  return k_exit_success;
}

}  // namespace mlops
