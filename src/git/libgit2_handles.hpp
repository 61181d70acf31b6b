// Owning handles for libgit2 objects, private to the git/ module.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

namespace mlops::git_detail {

// libgit2 keeps global state; initialise it once per process and never shut it down (the
// process ends first).
inline void ensure_libgit2() {
  static const int initialised = git_libgit2_init();
  (void)initialised;
}

template <typename T, void (*Free)(T*)>
struct Freer {
  void operator()(T* object) const { Free(object); }
};
using Repository = std::unique_ptr<git_repository, Freer<git_repository, git_repository_free>>;
using Reference = std::unique_ptr<git_reference, Freer<git_reference, git_reference_free>>;
using StatusList = std::unique_ptr<git_status_list, Freer<git_status_list, git_status_list_free>>;
using Commit = std::unique_ptr<git_commit, Freer<git_commit, git_commit_free>>;
using Tree = std::unique_ptr<git_tree, Freer<git_tree, git_tree_free>>;
using Diff = std::unique_ptr<git_diff, Freer<git_diff, git_diff_free>>;
using Revwalk = std::unique_ptr<git_revwalk, Freer<git_revwalk, git_revwalk_free>>;
using BranchIterator =
    std::unique_ptr<git_branch_iterator, Freer<git_branch_iterator, git_branch_iterator_free>>;

// libgit2's message for the last failed call.
inline std::string last_error() {
  const git_error* error = git_error_last();
  return error && error->message ? error->message : "unknown libgit2 error";
}

}  // namespace mlops::git_detail
