// The data trigger: fires when files matching its globs arrived, changed or went away, once every
// one of them has settled (not written for `settle`). Waiting for all of them makes a batch that
// lands over a few seconds one run, keeps half-written files away from the stages, and makes the
// files reported here the ones an `incremental: true` stage finds in MLOPS_CHANGED_DEPS.
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "hash/digest.hpp"
#include "triggers/trigger.hpp"
#include "util/duration.hpp"
#include "util/glob.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

struct SeenFile {
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string digest;
  int64_t changed_ns = 0;  // max(mtime, ctime): the last write or rename, not stored
};

int64_t ns_of(const struct timespec& time) {
  return static_cast<int64_t>(time.tv_sec) * 1000000000 + time.tv_nsec;
}

// Every regular file matching one of `globs`, by workspace-relative path.
std::map<std::string, SeenFile> list_files(const std::filesystem::path& workspace,
                                           const std::vector<Glob>& globs) {
  std::map<std::string, SeenFile> files;
  for (const auto& glob : globs) {
    std::error_code error;
    std::filesystem::path base = workspace / glob.base();
    if (!std::filesystem::is_directory(base, error)) {
      continue;
    }
    bool any_depth = glob.any_depth();
    size_t max_depth = glob.depth_below_base();
    auto options = std::filesystem::directory_options::skip_permission_denied;
    for (auto it = std::filesystem::recursive_directory_iterator(base, options, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      const auto& entry = *it;
      std::string name = entry.path().filename().string();
      std::error_code type_error;
      if (entry.is_directory(type_error)) {
        // Hidden directories (and .mlops) never match; neither does anything too deep.
        if (name.starts_with(".") ||
            (!any_depth && static_cast<size_t>(it.depth()) + 1 >= max_depth)) {
          it.disable_recursion_pending();
        }
        continue;
      }
      std::string relative = entry.path().lexically_relative(workspace).generic_string();
      if (!entry.is_regular_file(type_error) || !glob.matches(relative)) {
        continue;
      }
      struct stat info;
      if (::stat(entry.path().c_str(), &info) != 0) {
        continue;  // gone since it was listed
      }
      SeenFile file;
      file.size = info.st_size;
      file.mtime_ns = ns_of(info.st_mtim);
      file.changed_ns = std::max(file.mtime_ns, ns_of(info.st_ctim));
      files[relative] = file;
    }
  }
  return files;
}

std::map<std::string, SeenFile> manifest_of(const std::optional<TriggerState>& state) {
  std::map<std::string, SeenFile> manifest;
  if (!state) {
    return manifest;
  }
  auto json = nlohmann::json::parse(state->state_json, nullptr, false);
  if (!json.is_object() || !json.contains("files") || !json["files"].is_object()) {
    return manifest;
  }
  for (const auto& [path, entry] : json["files"].items()) {
    if (entry.is_array() && entry.size() == 3) {
      manifest[path] = {entry[0].get<int64_t>(), entry[1].get<int64_t>(),
                        entry[2].get<std::string>(), 0};
    }
  }
  return manifest;
}

std::string describe_change(size_t added, size_t changed, size_t removed) {
  std::vector<std::string> parts;
  if (added) {
    parts.push_back(fmt::format("{} new", added));
  }
  if (changed) {
    parts.push_back(fmt::format("{} changed", changed));
  }
  if (removed) {
    parts.push_back(fmt::format("{} removed", removed));
  }
  size_t total = added + changed + removed;
  return fmt::format("{} file{}", join(parts, ", "), total == 1 ? "" : "s");
}

}  // namespace

TriggerOutcome evaluate_data(const DataTriggerSpec& spec, const TriggerContext& context,
                             const std::optional<TriggerState>& state) {
  TriggerOutcome outcome;
  outcome.key = trigger_key(spec);
  std::vector<Glob> globs;
  std::vector<std::string> bases;
  for (const auto& path : spec.paths) {
    if (auto glob = Glob::parse(path.value); glob.ok()) {
      bases.push_back(glob->base());
      globs.push_back(std::move(*glob));
    }
  }
  std::map<std::string, SeenFile> seen = manifest_of(state);
  std::map<std::string, SeenFile> now = list_files(context.workspace, globs);

  std::vector<std::string> added, changed, removed, unsettled;
  int64_t files_now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(context.files_now.time_since_epoch())
          .count();
  int64_t settle_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(spec.settle).count();
  std::optional<int64_t> settles_at;
  bool quiet_change = false;  // touched but identical content: only the stat changes
  for (auto& [path, file] : now) {
    auto before = seen.find(path);
    if (before != seen.end() && before->second.size == file.size &&
        before->second.mtime_ns == file.mtime_ns) {
      file.digest = before->second.digest;
      continue;
    }
    if (files_now - file.changed_ns < settle_ns) {
      unsettled.push_back(path);
      int64_t at = file.changed_ns + settle_ns;
      settles_at = settles_at ? std::min(*settles_at, at) : at;
      continue;
    }
    auto digest = digest_path(context.workspace / path);
    if (!digest.ok()) {
      unsettled.push_back(path);  // vanished or unreadable: look again next time
      continue;
    }
    file.digest = digest->digest.hex();
    if (before == seen.end()) {
      added.push_back(path);
    } else if (before->second.digest != file.digest) {
      changed.push_back(path);
    } else {
      quiet_change = true;
    }
  }
  for (const auto& [path, file] : seen) {
    if (!now.count(path)) {
      removed.push_back(path);
    }
  }
  std::string where = short_list(bases, 3);
  if (!unsettled.empty()) {
    outcome.notes.push_back(
        fmt::format("data: waiting for {} file{} under {} to settle (no writes for {}): {}",
                    unsettled.size(), unsettled.size() == 1 ? "" : "s", where,
                    format_duration(spec.settle), short_list(unsettled)));
    outcome.wake_at = WallTime(
        std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(*settles_at)));
    return outcome;
  }
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [path, file] : now) {
    files[path] = nlohmann::json::array({file.size, file.mtime_ns, file.digest});
  }
  TriggerAdvance advance{context.pipeline, outcome.key,
                         state ? std::optional<std::string>(state->state_json) : std::nullopt,
                         nlohmann::json{{"files", files}}.dump()};
  if (added.empty() && changed.empty() && removed.empty()) {
    if (quiet_change) {
      outcome.quiet_advance = advance;
    }
    return outcome;
  }
  Firing firing;
  firing.kind = "data";
  firing.advance = advance;
  std::vector<std::string> parts;
  if (!added.empty()) {
    parts.push_back("new " + short_list(added));
  }
  if (!changed.empty()) {
    parts.push_back("changed " + short_list(changed));
  }
  if (!removed.empty()) {
    parts.push_back("removed " + short_list(removed));
  }
  firing.reason = fmt::format("data: {} under {}: {}",
                              describe_change(added.size(), changed.size(), removed.size()), where,
                              join(parts, "; "));
  firing.detail = {{"kind", "data"}, {"new", added}, {"changed", changed}, {"removed", removed}};
  outcome.firing = std::move(firing);
  return outcome;
}

}  // namespace mlops
