#include "triggers/file_watch.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "hash/digest.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

int64_t ns_of(const struct timespec& time) {
  return static_cast<int64_t>(time.tv_sec) * 1000000000 + time.tv_nsec;
}

}  // namespace

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

nlohmann::json manifest_files_json(const std::map<std::string, SeenFile>& now) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [path, file] : now) {
    files[path] = nlohmann::json::array({file.size, file.mtime_ns, file.digest});
  }
  return files;
}

std::vector<Glob> parse_globs(const std::vector<LocatedString>& paths) {
  std::vector<Glob> globs;
  for (const auto& path : paths) {
    if (auto glob = Glob::parse(path.value); glob.ok()) {
      globs.push_back(std::move(*glob));
    }
  }
  return globs;
}

}  // namespace mlops
