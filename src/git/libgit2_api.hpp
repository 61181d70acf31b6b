// libgit2, loaded when git is first needed, private to the git/ module.
//
// mlops does not link libgit2: its dependencies (mbedTLS, libssh2, OpenSSL's libcrypto,
// Kerberos, PCRE2, http-parser, zlib) cost the dynamic loader ~7 ms at every start, longer than
// the rest of `mlops --version`. Most commands never read a repository, so the library is opened
// with dlopen (its runtime name, found when the build was configured: MLOPS_LIBGIT2_SONAME) the
// first time one does, and the functions the module calls are looked up into one table. The
// declarations and types still come from <git2.h>: a table entry has the exact type of the
// function it stands for, so a mismatch fails to compile.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

#include "util/error.hpp"

namespace mlops::git_detail {

// Every libgit2 function the git/ module calls. Adding one: list it here, call it through the
// table (libgit2().NAME).
// clang-format off
#define MLOPS_LIBGIT2_FUNCTIONS(X)                                                             \
  X(git_libgit2_init) X(git_error_last) X(git_repository_open_ext) X(git_repository_free)      \
  X(git_repository_workdir) X(git_repository_is_shallow) X(git_repository_is_bare)             \
  X(git_repository_head) X(git_repository_head_detached) X(git_repository_head_unborn)         \
  X(git_reference_lookup) X(git_reference_free) X(git_reference_symbolic_target)               \
  X(git_reference_target) X(git_reference_resolve) X(git_reference_shorthand)                  \
  X(git_branch_iterator_new) X(git_branch_iterator_free) X(git_branch_next) X(git_branch_name) \
  X(git_branch_lookup) X(git_oid_fromstr) X(git_oid_tostr_s) X(git_oid_equal)                  \
  X(git_commit_lookup) X(git_commit_free) X(git_commit_tree) X(git_tree_free)                  \
  X(git_revwalk_new) X(git_revwalk_free) X(git_revwalk_push) X(git_revwalk_hide)               \
  X(git_revwalk_next) X(git_graph_descendant_of) X(git_merge_base) X(git_diff_options_init)    \
  X(git_diff_tree_to_tree) X(git_diff_free) X(git_diff_num_deltas) X(git_diff_get_delta)       \
  X(git_status_options_init) X(git_status_list_new) X(git_status_list_free)                    \
  X(git_status_list_entrycount)
// clang-format on

// The loaded library's functions, each with the type <git2.h> declares for it.
struct Libgit2 {
#define MLOPS_LIBGIT2_MEMBER(name) decltype(&::name) name = nullptr;
  MLOPS_LIBGIT2_FUNCTIONS(MLOPS_LIBGIT2_MEMBER)
#undef MLOPS_LIBGIT2_MEMBER
};

// Loads libgit2 and initialises it, once per process (later calls return the same table, or the
// same error; thread-safe). Never unloaded: the process ends first. Io when the library cannot
// be opened or lacks a function, with what to install.
Result<const Libgit2*> load_libgit2();

// The table, once load_libgit2() has succeeded (the handles below and every function of the
// module after a successful load use it).
const Libgit2& libgit2();

// Opens `soname` and looks up every function: load_libgit2's work without the once-per-process
// memo, for tests. Io as load_libgit2.
Result<std::unique_ptr<Libgit2>> open_libgit2(const std::string& soname);

// The runtime name of the libgit2 this mlops was built against ("libgit2.so.1.5").
const char* libgit2_soname();

}  // namespace mlops::git_detail
