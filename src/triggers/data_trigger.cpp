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
#include "util/json_text.hpp"
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
    // Stored state can be edited: an entry of the wrong shape counts as unseen.
    if (entry.is_array() && entry.size() == 3 && entry[0].is_number_integer() &&
        entry[1].is_number_integer() && entry[2].is_string()) {
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

// The files matched now against those in the manifest, as the data trigger sees them.
struct DataChanges {
  std::vector<std::string> added, changed, removed;
  std::vector<std::string> unsettled;  // written too recently to read, or unreadable
  std::optional<int64_t> settles_at;   // nanoseconds since the epoch, when unsettled
  bool quiet_change = false;           // touched but identical content: only the stat changes
};

// Compares `now` with `seen`, digesting the files whose size or mtime changed (and storing the
// digests in `now`) once they have settled for `settle_ns`.
DataChanges compare_files(const std::map<std::string, SeenFile>& seen,
                          std::map<std::string, SeenFile>& now, const TriggerContext& context,
                          int64_t settle_ns) {
  DataChanges changes;
  int64_t files_now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(context.files_now.time_since_epoch())
          .count();
  for (auto& [path, file] : now) {
    auto before = seen.find(path);
    if (before != seen.end() && before->second.size == file.size &&
        before->second.mtime_ns == file.mtime_ns) {
      file.digest = before->second.digest;
      continue;
    }
    if (files_now - file.changed_ns < settle_ns) {
      changes.unsettled.push_back(path);
      int64_t at = file.changed_ns + settle_ns;
      changes.settles_at = changes.settles_at ? std::min(*changes.settles_at, at) : at;
      continue;
    }
    auto digest = digest_path(context.workspace / path);
    if (!digest.ok()) {
      changes.unsettled.push_back(path);  // vanished or unreadable: look again next time
      continue;
    }
    file.digest = digest->digest.hex();
    if (before == seen.end()) {
      changes.added.push_back(path);
    } else if (before->second.digest != file.digest) {
      changes.changed.push_back(path);
    } else {
      changes.quiet_change = true;
    }
  }
  for (const auto& [path, file] : seen) {
    if (!now.count(path)) {
      changes.removed.push_back(path);
    }
  }
  return changes;
}

// The manifest to store: every matching file with its size, mtime and digest.
std::string manifest_json(const std::map<std::string, SeenFile>& now) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [path, file] : now) {
    files[path] = nlohmann::json::array({file.size, file.mtime_ns, file.digest});
  }
  return json_text(nlohmann::json{{"files", files}});
}

Firing data_firing(const DataChanges& changes, const std::string& where, TriggerAdvance advance) {
  Firing firing;
  firing.kind = "data";
  firing.advance = std::move(advance);
  std::vector<std::string> parts;
  if (!changes.added.empty()) {
    parts.push_back("new " + short_list(changes.added));
  }
  if (!changes.changed.empty()) {
    parts.push_back("changed " + short_list(changes.changed));
  }
  if (!changes.removed.empty()) {
    parts.push_back("removed " + short_list(changes.removed));
  }
  firing.reason = fmt::format(
      "data: {} under {}: {}",
      describe_change(changes.added.size(), changes.changed.size(), changes.removed.size()), where,
      join(parts, "; "));
  firing.detail = {{"kind", "data"},
                   {"new", changes.added},
                   {"changed", changes.changed},
                   {"removed", changes.removed}};
  return firing;
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
  int64_t settle_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(spec.settle).count();
  DataChanges changes = compare_files(seen, now, context, settle_ns);

  std::string where = short_list(bases, 3);
  if (!changes.unsettled.empty()) {
    outcome.notes.push_back(
        fmt::format("data: waiting for {} file{} under {} to settle (no writes for {}): {}",
                    changes.unsettled.size(), changes.unsettled.size() == 1 ? "" : "s", where,
                    format_duration(spec.settle), short_list(changes.unsettled)));
    outcome.wake_at = WallTime(std::chrono::duration_cast<WallTime::duration>(
        std::chrono::nanoseconds(*changes.settles_at)));
    return outcome;
  }
  TriggerAdvance advance{context.pipeline, outcome.key,
                         state ? std::optional<std::string>(state->state_json) : std::nullopt,
                         manifest_json(now)};
  if (changes.added.empty() && changes.changed.empty() && changes.removed.empty()) {
    if (changes.quiet_change) {
      outcome.quiet_advance = advance;
    }
    return outcome;
  }
  outcome.firing = data_firing(changes, where, std::move(advance));
  return outcome;
}

}  // namespace mlops
