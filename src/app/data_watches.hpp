// inotify watches on the directories data triggers look at, so `mlops watch` wakes when a file
// lands instead of at its next interval. Where inotify is not available (or runs out of
// watches) the watcher still finds the files by looking every interval.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "util/unique_fd.hpp"

namespace mlops {

class DataWatches {
 public:
  DataWatches();

  bool available() const { return m_fd.valid(); }
  int fd() const { return m_fd.get(); }

  // Watches `directory` (or, while it does not exist, its nearest existing ancestor, to see it
  // appear) for `owner`; below it too when `recursive`.
  void add(const std::filesystem::path& directory, bool recursive, size_t owner);

  // Reads the pending events; returns the owners whose directories changed. New directories
  // are watched in turn.
  std::set<size_t> read_events();

 private:
  struct Target {
    std::filesystem::path directory;
    bool recursive = false;
    size_t owner = 0;
  };
  void watch(const std::filesystem::path& directory, size_t owner);
  void rescan();

  UniqueFd m_fd;
  std::vector<Target> m_targets;
  std::map<int, std::set<size_t>> m_owners;  // watch descriptor -> owners
};

}  // namespace mlops
