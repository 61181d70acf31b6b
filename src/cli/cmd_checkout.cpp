// mlops checkout RUN [PATH...] | --as-of TIME [PATH...]: put past versions back in the workspace.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cache/object_store.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/store_access.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// "2026-11-24" (the end of that day, UTC) or a date-time, as format_utc_iso writes times.
std::optional<std::string> normalise_time(const std::string& text) {
  if (text.size() == 10 && parse_utc_iso(text + "T23:59:59.999Z")) {
    return text + "T23:59:59.999Z";
  }
  for (const std::string& candidate : {text, text + ":00"}) {
    if (auto time = parse_utc_iso(candidate)) {
      return format_utc_iso(*time);
    }
  }
  return std::nullopt;
}

bool selected(const std::string& path, const std::vector<std::string>& wanted) {
  if (wanted.empty()) {
    return true;
  }
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
    return path_is_within(path, w) || path_is_within(w, path);
  });
}

}  // namespace

int checkout_command(const CheckoutCommand& command) {
  std::vector<std::string> args = command.args;
  std::string what;
  auto store = open_existing_store(command.query);
  if (!store) {
    return k_exit_invalid;
  }
  Result<std::vector<ArtifactVersion>> versions = std::vector<ArtifactVersion>{};
  if (command.as_of) {
    auto time = normalise_time(*command.as_of);
    if (!time) {
      return report_query_error(Error(
          ErrorKind::Usage, fmt::format("--as-of {}: not a date or date-time; write 2026-11-24 "
                                        "or 2026-11-24T17:30:00Z (UTC)",
                                        *command.as_of)));
    }
    versions = store->outputs_as_of(*time);
    what = "as of " + *time;
  } else {
    if (args.empty()) {
      return report_query_error(
          Error(ErrorKind::Usage, "name a run (mlops checkout RUN [PATH...]) or use --as-of TIME"));
    }
    auto id = resolve_run(*store, args.front());
    if (!id.ok()) {
      return report_query_error(id.error());
    }
    args.erase(args.begin());
    versions = store->outputs_of_run(*id);
    what = "from run " + *id;
  }
  if (!versions.ok()) {
    return report_query_error(versions.error());
  }
  std::vector<std::string> wanted;
  for (const auto& arg : args) {
    wanted.push_back(workspace_path_argument(arg));
  }

  std::filesystem::path workspace = current_workspace();
  ObjectStore objects(workspace / ".mlops" / "cache");
  std::vector<const ArtifactVersion*> todo;
  std::vector<std::string> refused;
  std::vector<std::string> uncached;
  for (const auto& version : *versions) {
    if (!selected(version.path, wanted)) {
      continue;
    }
    auto current = digest_path(workspace / version.path);
    if (current.ok() && current->digest.hex() == version.digest) {
      continue;
    }
    if (!objects.has(version.digest, version.kind == "directory")) {
      uncached.push_back(version.path);
      continue;
    }
    if (current.ok() && !command.force) {
      // Overwriting is safe only if what is there is itself a recorded version.
      auto history = store->artifact_history(version.path);
      bool recorded = history.ok() &&
                      std::any_of(history->begin(), history->end(), [&](const ArtifactRecord& a) {
                        return a.digest == current->digest.hex();
                      });
      if (!recorded) {
        refused.push_back(version.path);
        continue;
      }
    }
    todo.push_back(&version);
  }
  if (!refused.empty()) {
    write_all(2, fmt::format("mlops: error: these files hold changes that no run recorded: {}; "
                             "commit or copy them, or use --force to overwrite them\n",
                             fmt::join(refused, ", ")));
    return k_exit_invalid;
  }
  for (const ArtifactVersion* version : todo) {
    Status restored =
        objects.restore(version->digest, version->kind == "directory", workspace / version->path);
    if (!restored.ok()) {
      return report_query_error(restored.error());
    }
    if (!command.query.json) {
      write_all(1, fmt::format("restored {} ({})\n", version->path, short_digest(version->digest)));
    }
  }
  if (command.query.json) {
    nlohmann::json restored = nlohmann::json::array();
    for (const ArtifactVersion* version : todo) {
      restored.push_back({{"path", version->path}, {"digest", version->digest}});
    }
    write_all(1, nlohmann::json{{"restored", restored}, {"not_in_cache", uncached}}.dump(2) + "\n");
    return uncached.empty() ? k_exit_success : k_exit_stage_failed;
  }
  if (!uncached.empty()) {
    write_all(2, fmt::format("mlops: warning: not in the cache (removed by gc, or written with "
                             "cache: false): {}\n",
                             fmt::join(uncached, ", ")));
  }
  write_all(1, fmt::format("checked out {} version{} {}\n", todo.size(),
                           todo.size() == 1 ? "" : "s", what));
  return uncached.empty() ? k_exit_success : k_exit_stage_failed;
}

}  // namespace mlops
