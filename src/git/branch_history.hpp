// What happened on a branch between two commits, for the git trigger: the new head, how many
// commits, which files changed, and whether history was rewritten (a force-push). Read with
// libgit2; mlops never runs the git command line and never fetches.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace mlops {

struct BranchChanges {
  std::string from;  // full ids
  std::string to;
  // `from` is not an ancestor of `to`: history was rewritten (a force-push or a reset).
  bool rewritten = false;
  // `from` is not in the repository any more (garbage-collected, or outside a shallow clone's
  // history): no list of changed files is possible.
  bool from_missing = false;
  // Commits reachable from `to` but not from `from`; nothing when the walk could not finish
  // (a shallow clone's history ends first).
  std::optional<size_t> commit_count;
  // Paths (relative to the repository root) that differ between the two commits' trees.
  std::vector<std::string> changed_paths;
};

class GitRepository {
 public:
  // Opens the repository containing `directory`. NotFound with a message that says so when
  // there is none.
  static Result<GitRepository> open(const std::filesystem::path& directory);

  GitRepository(GitRepository&&) noexcept;
  GitRepository& operator=(GitRepository&&) noexcept;
  ~GitRepository();

  // The commit a branch points at. `branch` is a local branch ("main") or a remote-tracking one
  // ("origin/main"); nothing means the branch HEAD names. Returns nothing (and no error) for a
  // repository without commits; NotFound naming the branches there are when the branch does not
  // exist, and explaining a detached HEAD when no branch was named.
  Result<std::optional<std::string>> branch_head(const std::optional<std::string>& branch);

  // The branch HEAD names ("main"), or nothing when HEAD is detached.
  std::optional<std::string> current_branch();

  Result<BranchChanges> changes(const std::string& from, const std::string& to);

  bool is_shallow() const;
  // The directory `open` was given, relative to the repository's working tree root ("" at the
  // root; "sub/dir/" below it), to turn repository paths into workspace paths.
  const std::string& prefix() const { return m_prefix; }

 private:
  struct Impl;
  explicit GitRepository(std::unique_ptr<Impl> impl, std::string prefix);
  std::unique_ptr<Impl> m_impl;
  std::string m_prefix;
};

}  // namespace mlops
