#include "git/repo_state.hpp"

#include "git/libgit2_handles.hpp"

namespace mlops {
using namespace git_detail;

std::optional<GitState> read_git_state(const std::filesystem::path& path) {
  ensure_libgit2();
  git_repository* raw_repo = nullptr;
  if (git_repository_open_ext(&raw_repo, path.c_str(), 0, nullptr) != 0) {
    return std::nullopt;
  }
  Repository repo(raw_repo);
  GitState state;
  git_reference* raw_head = nullptr;
  if (git_repository_head(&raw_head, repo.get()) == 0) {
    Reference head(raw_head);
    if (const git_oid* oid = git_reference_target(head.get())) {
      state.commit = git_oid_tostr_s(oid);
    }
    if (git_repository_head_detached(repo.get()) != 1) {
      state.branch = git_reference_shorthand(head.get());
    }
  } else if (git_repository_head_unborn(repo.get()) == 1) {
    // A new repository: HEAD names a branch that has no commit yet.
    git_reference* raw_symbolic = nullptr;
    if (git_reference_lookup(&raw_symbolic, repo.get(), "HEAD") == 0) {
      Reference symbolic(raw_symbolic);
      if (const char* target = git_reference_symbolic_target(symbolic.get())) {
        std::string name = target;
        const std::string prefix = "refs/heads/";
        state.branch = name.starts_with(prefix) ? name.substr(prefix.size()) : name;
      }
    }
  }
  if (git_repository_is_bare(repo.get()) == 0) {
    git_status_options options;
    git_status_options_init(&options, GIT_STATUS_OPTIONS_VERSION);
    options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_list* raw_list = nullptr;
    if (git_status_list_new(&raw_list, repo.get(), &options) == 0) {
      StatusList list(raw_list);
      state.dirty = git_status_list_entrycount(list.get()) > 0;
    }
  }
  return state;
}

}  // namespace mlops
