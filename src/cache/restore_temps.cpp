#include "cache/restore_temps.hpp"

#include <sys/stat.h>

#include <map>
#include <set>
#include <string>
#include <system_error>

namespace mlops {
namespace {

// Whether every directory from `workspace` down to `relative` is a real directory, not a link.
bool is_plain_directory_path(const std::filesystem::path& workspace,
                             const std::filesystem::path& relative) {
  std::filesystem::path current = workspace;
  for (const auto& part : relative) {
    current /= part;
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_restore_temp_name(std::string_view name, std::string_view target_name) {
  constexpr std::string_view k_marker = ".tmp-";
  if (target_name.empty() || name.size() <= target_name.size() + k_marker.size() ||
      name.substr(0, target_name.size()) != target_name ||
      name.substr(target_name.size(), k_marker.size()) != k_marker) {
    return false;
  }
  std::string_view suffix = name.substr(target_name.size() + k_marker.size());
  return (suffix.size() == 8 || suffix.size() == 16) &&
         suffix.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

size_t remove_restore_temps(const std::filesystem::path& workspace,
                            const std::vector<std::filesystem::path>& targets) {
  // Target names by directory (workspace-relative), so that each directory is listed once.
  std::map<std::filesystem::path, std::set<std::string>> names_by_directory;
  for (const auto& target : targets) {
    std::filesystem::path normal = target.lexically_normal();
    if (!normal.empty() && !normal.is_absolute() && *normal.begin() != ".." &&
        normal.has_filename()) {
      names_by_directory[normal.parent_path()].insert(normal.filename().string());
    }
  }
  size_t removed = 0;
  for (const auto& [directory, names] : names_by_directory) {
    if (!is_plain_directory_path(workspace, directory)) {
      continue;
    }
    std::error_code error;
    for (std::filesystem::directory_iterator entry(workspace / directory, error);
         !error && entry != std::filesystem::directory_iterator(); entry.increment(error)) {
      std::string name = entry->path().filename().string();
      size_t marker = name.rfind(".tmp-");
      if (marker == std::string::npos || !names.count(name.substr(0, marker)) ||
          !is_restore_temp_name(name, name.substr(0, marker))) {
        continue;
      }
      // remove_all removes a symbolic link itself, never what it points to.
      std::error_code remove_error;
      if (std::filesystem::remove_all(entry->path(), remove_error) > 0 && !remove_error) {
        ++removed;
      }
    }
  }
  return removed;
}

}  // namespace mlops
