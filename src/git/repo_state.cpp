#include "git/repo_state.hpp"

#include <sys/stat.h>

#include "git/libgit2_handles.hpp"

namespace mlops {
using namespace git_detail;

namespace {

bool exists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace

bool may_be_inside_git_repository(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path directory = std::filesystem::absolute(path, error).lexically_normal();
  if (error) {
    return true;  // let libgit2 decide
  }
  while (true) {
    // A working tree's .git (a directory, or a file naming one), or a bare repository.
    std::string here = directory.string();
    if (!here.empty() && here.back() != '/') {
      here += '/';
    }
    if (exists(here + ".git") || (exists(here + "HEAD") && exists(here + "objects"))) {
      return true;
    }
    if (!directory.has_relative_path()) {
      return false;  // the root
    }
    directory = directory.parent_path();
  }
}

Result<std::optional<GitState>> read_git_state(const std::filesystem::path& path) {
  if (!may_be_inside_git_repository(path)) {
    return std::optional<GitState>();
  }
  MLOPS_TRY(loaded, load_libgit2());
  git_repository* raw_repo = nullptr;
  if (libgit2().git_repository_open_ext(&raw_repo, path.c_str(), 0, nullptr) != 0) {
    return std::optional<GitState>();
  }
  Repository repo(raw_repo);
  GitState state;
  git_reference* raw_head = nullptr;
  if (libgit2().git_repository_head(&raw_head, repo.get()) == 0) {
    Reference head(raw_head);
    if (const git_oid* oid = libgit2().git_reference_target(head.get())) {
      state.commit = libgit2().git_oid_tostr_s(oid);
    }
    if (libgit2().git_repository_head_detached(repo.get()) != 1) {
      state.branch = libgit2().git_reference_shorthand(head.get());
    }
  } else if (libgit2().git_repository_head_unborn(repo.get()) == 1) {
    // A new repository: HEAD names a branch that has no commit yet.
    git_reference* raw_symbolic = nullptr;
    if (libgit2().git_reference_lookup(&raw_symbolic, repo.get(), "HEAD") == 0) {
      Reference symbolic(raw_symbolic);
      if (const char* target = libgit2().git_reference_symbolic_target(symbolic.get())) {
        std::string name = target;
        const std::string prefix = "refs/heads/";
        state.branch = name.starts_with(prefix) ? name.substr(prefix.size()) : name;
      }
    }
  }
  if (libgit2().git_repository_is_bare(repo.get()) == 0) {
    git_status_options options;
    libgit2().git_status_options_init(&options, GIT_STATUS_OPTIONS_VERSION);
    options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_list* raw_list = nullptr;
    if (libgit2().git_status_list_new(&raw_list, repo.get(), &options) == 0) {
      StatusList list(raw_list);
      state.dirty = libgit2().git_status_list_entrycount(list.get()) > 0;
    }
  }
  return std::optional<GitState>(std::move(state));
}

}  // namespace mlops
