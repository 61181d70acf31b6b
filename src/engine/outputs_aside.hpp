// Declared outputs are never inherited from an earlier run: before a stage's first attempt its
// outs and metrics files are moved aside, so a command that does not write one fails (the
// executor's missing_output check names it) instead of having the old bytes recorded as its
// product. This is DVC's rule, with a way back: the old versions are put back when the stage
// fails or is cancelled, and removed when it succeeds.
//
// Where they go: .mlops/aside/<run id>/<n> (a rename, so instant), or, when the out lies on
// another filesystem, a hidden sibling `.<name>.mlops-aside-<run id>`. Before a retry, what the
// failed attempt wrote is removed (the original stays aside). After a kill -9 of mlops, the
// old versions stay in .mlops/aside/<run id>/ (and in the object cache).
//
// `incremental: true` stages are the exception: they update their outs in place, so their outs
// stay where they are (a missing one still fails the stage).
//
// Every path is checked with checked_write_path first: an out whose directory is a symbolic
// link leading outside the workspace is refused, not moved.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace mlops {

class OutputsAside {
 public:
  // `aside` is the directory this run's old versions go to (.mlops/aside/<run id>).
  OutputsAside(std::filesystem::path workspace, std::filesystem::path aside, std::string run_id);

  // Before an attempt of stage `stage` with workspace-relative outputs `paths`: on the first
  // attempt moves the existing ones aside; on a later one removes what the failed attempt wrote.
  // InvalidSpec when a path leads outside the workspace through a link; Io when one cannot be
  // moved or removed (what was moved so far stays recorded and is put back on failure).
  Status before_attempt(size_t stage, const std::vector<std::string>& paths, bool first);

  // The stage succeeded: its old versions are dropped.
  void discard(size_t stage);

  // The stage failed or was cancelled: what it wrote over an old version is removed and the old
  // version put back. Paths that had no old version keep what the stage wrote (for debugging).
  // Io when one cannot be put back (it stays aside; the message says where).
  Status put_back(size_t stage);

  // Removes the (by now empty) aside directory of the run.
  void finish_run();

 private:
  struct Moved {
    std::string path;  // workspace-relative
    std::filesystem::path aside;
  };
  Status move_aside(size_t stage, const std::string& path);

  std::filesystem::path m_workspace;
  std::filesystem::path m_aside;
  std::string m_run_id;
  size_t m_count = 0;
  std::map<size_t, std::vector<Moved>> m_moved;
};

}  // namespace mlops
