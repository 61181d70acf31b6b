// The object cache's side of gc: which files a set of live versions needs, and removing the
// rest. Kept apart from object_store.cpp (writing and restoring) because only gc uses it.
#include <optional>
#include <string_view>

#include "cache/manifest.hpp"
#include "cache/object_store.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

bool is_hex(std::string_view text, size_t length) {
  return text.size() == length && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A file in objects/<2 hex>/, by its name: the version's digest, whether it is a temporary file,
// or nothing when the name is not one the cache writes.
struct ObjectName {
  std::string digest;
  bool temporary = false;
};

std::optional<ObjectName> parse_object_name(const std::string& fan_out, const std::string& name) {
  std::string_view rest(name);
  ObjectName parsed;
  if (size_t temp = rest.find(".tmp-"); temp != std::string_view::npos) {
    parsed.temporary = true;
    rest = rest.substr(0, temp);
  }
  if (rest.ends_with(".dir")) {
    rest.remove_suffix(4);
  }
  if (!is_hex(rest, 30)) {
    return std::nullopt;
  }
  parsed.digest = fan_out + std::string(rest);
  return parsed;
}

bool old_enough(const std::filesystem::directory_entry& entry, std::chrono::seconds age) {
  std::error_code error;
  auto written = entry.last_write_time(error);
  return !error && std::filesystem::file_time_type::clock::now() - written >= age;
}

// Sweeps one objects/<2 hex>/ directory. Files that vanish or resist removal are skipped.
void sweep_fan_out(const std::filesystem::path& directory, const std::string& prefix,
                   const std::set<std::string>& live, SweepMode mode, std::chrono::seconds temp_age,
                   SweepStats& stats) {
  std::error_code error;
  for (std::filesystem::directory_iterator file(directory, error);
       !error && file != std::filesystem::directory_iterator(); file.increment(error)) {
    std::error_code file_error;
    if (!std::filesystem::is_regular_file(file->symlink_status(file_error)) || file_error) {
      continue;  // a symlink or a directory: not something the cache wrote
    }
    auto name = parse_object_name(prefix, file->path().filename().string());
    if (!name || (!name->temporary && live.count(name->digest)) ||
        (name->temporary && !old_enough(*file, temp_age))) {
      continue;
    }
    uint64_t size = file->file_size(file_error);
    if (file_error) {
      continue;
    }
    if (mode == SweepMode::Remove && !std::filesystem::remove(file->path(), file_error)) {
      continue;
    }
    stats.bytes_freed += size;
    ++(name->temporary ? stats.temp_files_removed : stats.objects_removed);
  }
}

}  // namespace

void ObjectStore::add_live(const std::string& digest, bool directory,
                           std::set<std::string>& live) const {
  live.insert(digest);
  if (!directory) {
    return;
  }
  auto manifest = read_file(object_path(digest).string() + ".dir", 64 << 20);
  if (!manifest.ok()) {
    return;
  }
  // Anyone with write access to .mlops/ can edit a manifest: take only well-formed digests.
  auto entries = parse_manifest(*manifest);
  if (!entries.ok()) {
    return;
  }
  for (const auto& entry : *entries) {
    if (!entry.is_link()) {
      live.insert(entry.digest);
    }
  }
}

Result<SweepStats> ObjectStore::sweep(const std::set<std::string>& live, SweepMode mode,
                                      std::chrono::seconds temp_age) {
  SweepStats stats;
  std::filesystem::path objects = m_root / "objects";
  std::error_code error;
  if (!std::filesystem::is_directory(std::filesystem::symlink_status(objects, error))) {
    return stats;  // nothing cached yet (or not ours to walk: a symlink)
  }
  std::filesystem::directory_iterator fan_out(objects, error);
  if (error) {
    return Error(ErrorKind::Io, "cannot list " + objects.string() + ": " + error.message());
  }
  for (; !error && fan_out != std::filesystem::directory_iterator(); fan_out.increment(error)) {
    std::string prefix = fan_out->path().filename().string();
    std::error_code status_error;
    auto status = fan_out->symlink_status(status_error);
    if (is_hex(prefix, 2) && !status_error && std::filesystem::is_directory(status)) {
      sweep_fan_out(fan_out->path(), prefix, live, mode, temp_age, stats);
    }
  }
  if (error) {
    return Error(ErrorKind::Io, "cannot list " + objects.string() + ": " + error.message());
  }
  return stats;
}

}  // namespace mlops
