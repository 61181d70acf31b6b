// Owning handles for libgit2 objects, private to the git/ module. libgit2 is loaded on first
// use (git/libgit2_api.hpp): every function of the module that reads a repository starts with
// load_libgit2().
#pragma once

#include <memory>
#include <string>

#include "git/libgit2_api.hpp"

namespace mlops::git_detail {

// Frees with the table's function `Free` (a pointer to a Libgit2 member). Only objects made
// after a successful load exist, so the table is there.
template <typename T, auto Free>
struct Freer {
  void operator()(T* object) const { (libgit2().*Free)(object); }
};
using Repository =
    std::unique_ptr<git_repository, Freer<git_repository, &Libgit2::git_repository_free>>;
using Reference =
    std::unique_ptr<git_reference, Freer<git_reference, &Libgit2::git_reference_free>>;
using StatusList =
    std::unique_ptr<git_status_list, Freer<git_status_list, &Libgit2::git_status_list_free>>;
using Commit = std::unique_ptr<git_commit, Freer<git_commit, &Libgit2::git_commit_free>>;
using Tree = std::unique_ptr<git_tree, Freer<git_tree, &Libgit2::git_tree_free>>;
using Diff = std::unique_ptr<git_diff, Freer<git_diff, &Libgit2::git_diff_free>>;
using Revwalk = std::unique_ptr<git_revwalk, Freer<git_revwalk, &Libgit2::git_revwalk_free>>;
using BranchIterator =
    std::unique_ptr<git_branch_iterator,
                    Freer<git_branch_iterator, &Libgit2::git_branch_iterator_free>>;

// libgit2's message for the last failed call.
inline std::string last_error() {
  const git_error* error = libgit2().git_error_last();
  return error && error->message ? error->message : "unknown libgit2 error";
}

}  // namespace mlops::git_detail
