#include "engine/outputs_aside.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/paths.hpp"

namespace mlops {
namespace {

Error io(const std::string& what, int err) {
  return Error(ErrorKind::Io, what + ": " + std::strerror(err));
}

bool exists_no_follow(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::exists(std::filesystem::symlink_status(path, error));
}

}  // namespace

OutputsAside::OutputsAside(std::filesystem::path workspace, std::filesystem::path aside,
                           std::string run_id)
    : m_workspace(std::move(workspace)), m_aside(std::move(aside)), m_run_id(std::move(run_id)) {}

Status OutputsAside::move_aside(size_t stage, const std::string& path) {
  std::filesystem::path source = m_workspace / path;
  std::error_code error;
  std::filesystem::create_directories(m_aside, error);
  std::filesystem::path target = m_aside / std::to_string(m_count++);
  if (::rename(source.c_str(), target.c_str()) != 0 && errno == EXDEV) {
    target = source.parent_path() / ("." + source.filename().string() + ".mlops-aside-" + m_run_id);
    ::rename(source.c_str(), target.c_str());
  }
  if (exists_no_follow(source)) {
    return io("cannot move the old " + path + " aside before the stage runs", errno);
  }
  m_moved[stage].push_back({path, target});
  return Status::success();
}

Status OutputsAside::before_attempt(size_t stage, const std::vector<std::string>& paths,
                                    bool first) {
  for (const auto& path : paths) {
    MLOPS_TRY(absolute, checked_write_path(m_workspace, path, ErrorKind::InvalidSpec));
    if (!exists_no_follow(*absolute)) {
      continue;
    }
    if (first) {
      MLOPS_CHECK(move_aside(stage, path));
      continue;
    }
    std::error_code error;
    std::filesystem::remove_all(*absolute, error);  // a link: the link only
    if (error) {
      return Error(ErrorKind::Io,
                   "cannot remove " + path + " before the retry: " + error.message());
    }
  }
  return Status::success();
}

void OutputsAside::discard(size_t stage) {
  auto moved = m_moved.find(stage);
  if (moved == m_moved.end()) {
    return;
  }
  for (const auto& item : moved->second) {
    std::error_code error;
    std::filesystem::remove_all(item.aside, error);
  }
  m_moved.erase(moved);
}

Status OutputsAside::put_back(size_t stage) {
  auto moved = m_moved.find(stage);
  if (moved == m_moved.end()) {
    return Status::success();
  }
  std::string failed;
  for (const auto& item : moved->second) {
    std::filesystem::path target = m_workspace / item.path;
    std::error_code error;
    std::filesystem::remove_all(target, error);
    if (::rename(item.aside.c_str(), target.c_str()) != 0) {
      failed += (failed.empty() ? "" : ", ") + item.path + " (kept at " + item.aside.string() + ")";
    }
  }
  m_moved.erase(moved);
  if (!failed.empty()) {
    return Error(ErrorKind::Io, "cannot put back the previous version of " + failed);
  }
  return Status::success();
}

void OutputsAside::finish_run() {
  std::error_code error;
  std::filesystem::remove(m_aside, error);  // only when empty
  std::filesystem::remove(m_aside.parent_path(), error);
}

}  // namespace mlops
