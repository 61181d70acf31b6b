#include "git/branch_history.hpp"

#include <fmt/format.h>

#include "git/libgit2_handles.hpp"
#include "git/repo_state.hpp"
#include "util/strings.hpp"

namespace mlops {
using namespace git_detail;

struct GitRepository::Impl {
  Repository repo;
};

GitRepository::GitRepository(std::unique_ptr<Impl> impl, std::string prefix)
    : m_impl(std::move(impl)), m_prefix(std::move(prefix)) {}
GitRepository::GitRepository(GitRepository&&) noexcept = default;
GitRepository& GitRepository::operator=(GitRepository&&) noexcept = default;
GitRepository::~GitRepository() = default;

Result<GitRepository> GitRepository::open(const std::filesystem::path& directory) {
  git_repository* raw = nullptr;
  bool candidate = may_be_inside_git_repository(directory);
  if (candidate) {
    MLOPS_TRY(loaded, load_libgit2());
  }
  if (!candidate || libgit2().git_repository_open_ext(&raw, directory.c_str(), 0, nullptr) != 0) {
    return Error(ErrorKind::NotFound,
                 fmt::format("{} is not inside a git repository (run 'git init', or point the "
                             "trigger's 'repo' at one)",
                             directory.string()));
  }
  auto impl = std::make_unique<Impl>();
  impl->repo.reset(raw);
  std::string prefix;
  if (const char* workdir = libgit2().git_repository_workdir(raw)) {
    std::error_code error;
    auto root = std::filesystem::weakly_canonical(workdir, error);
    auto here = std::filesystem::weakly_canonical(directory, error);
    auto relative = here.lexically_relative(root).generic_string();
    if (!relative.empty() && relative != "." && !relative.starts_with("..")) {
      prefix = relative + "/";
    }
  }
  return GitRepository(std::move(impl), std::move(prefix));
}

bool GitRepository::is_shallow() const {
  return libgit2().git_repository_is_shallow(m_impl->repo.get()) == 1;
}

std::optional<std::string> GitRepository::current_branch() {
  git_reference* raw = nullptr;
  if (libgit2().git_reference_lookup(&raw, m_impl->repo.get(), "HEAD") != 0) {
    return std::nullopt;
  }
  Reference head(raw);
  const char* target = libgit2().git_reference_symbolic_target(head.get());
  if (!target) {
    return std::nullopt;  // detached
  }
  std::string name = target;
  const std::string prefix = "refs/heads/";
  return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

namespace {

std::vector<std::string> branch_names(git_repository* repo) {
  std::vector<std::string> names;
  git_branch_iterator* raw = nullptr;
  if (libgit2().git_branch_iterator_new(&raw, repo, GIT_BRANCH_ALL) != 0) {
    return names;
  }
  BranchIterator iterator(raw);
  git_reference* ref = nullptr;
  git_branch_t type;
  while (libgit2().git_branch_next(&ref, &type, iterator.get()) == 0) {
    Reference owned(ref);
    const char* name = nullptr;
    if (libgit2().git_branch_name(&name, owned.get()) == 0 && name) {
      names.emplace_back(name);
    }
  }
  return names;
}

Result<git_oid> parse_oid(const std::string& text) {
  git_oid oid;
  if (libgit2().git_oid_fromstr(&oid, text.c_str()) != 0) {
    return Error(ErrorKind::InvalidSpec, fmt::format("'{}' is not a commit id", text));
  }
  return oid;
}

Result<Tree> tree_of(git_repository* repo, const git_oid& oid) {
  git_commit* raw_commit = nullptr;
  if (libgit2().git_commit_lookup(&raw_commit, repo, &oid) != 0) {
    return Error(ErrorKind::NotFound, last_error());
  }
  Commit commit(raw_commit);
  git_tree* raw_tree = nullptr;
  if (libgit2().git_commit_tree(&raw_tree, commit.get()) != 0) {
    return Error(ErrorKind::Io, last_error());
  }
  return Tree(raw_tree);
}

std::optional<size_t> count_commits(git_repository* repo, const git_oid& from, const git_oid& to,
                                    bool hide_from) {
  git_revwalk* raw = nullptr;
  if (libgit2().git_revwalk_new(&raw, repo) != 0) {
    return std::nullopt;
  }
  Revwalk walk(raw);
  if (libgit2().git_revwalk_push(walk.get(), &to) != 0 ||
      (hide_from && libgit2().git_revwalk_hide(walk.get(), &from) != 0)) {
    return std::nullopt;
  }
  size_t count = 0;
  git_oid oid;
  int status;
  while ((status = libgit2().git_revwalk_next(&oid, walk.get())) == 0) {
    ++count;
  }
  if (status != GIT_ITEROVER) {
    return std::nullopt;
  }
  return count;
}

}  // namespace

Result<std::optional<std::string>> GitRepository::branch_head(
    const std::optional<std::string>& branch) {
  git_repository* repo = m_impl->repo.get();
  if (libgit2().git_repository_head_unborn(repo) == 1 && branch_names(repo).empty()) {
    return std::optional<std::string>();  // no commits yet
  }
  std::string name;
  if (branch) {
    name = *branch;
  } else if (auto current = current_branch()) {
    name = *current;
  } else {
    return Error(ErrorKind::NotFound,
                 "HEAD is detached (a checkout of a commit, not a branch); name the branch to "
                 "watch with 'branch:' in the git trigger");
  }
  git_reference* raw = nullptr;
  if (libgit2().git_branch_lookup(&raw, repo, name.c_str(), GIT_BRANCH_LOCAL) != 0 &&
      libgit2().git_branch_lookup(&raw, repo, name.c_str(), GIT_BRANCH_REMOTE) != 0) {
    auto names = branch_names(repo);
    return Error(
        ErrorKind::NotFound,
        fmt::format(
            "branch '{}' does not exist in the repository{}{}", name, did_you_mean(name, names),
            names.empty() ? std::string() : fmt::format(" (branches: {})", join(names, ", "))));
  }
  Reference ref(raw);
  git_reference* resolved_raw = nullptr;
  if (libgit2().git_reference_resolve(&resolved_raw, ref.get()) != 0) {
    return Error(ErrorKind::Io, fmt::format("cannot resolve branch '{}': {}", name, last_error()));
  }
  Reference resolved(resolved_raw);
  const git_oid* oid = libgit2().git_reference_target(resolved.get());
  if (!oid) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(libgit2().git_oid_tostr_s(oid));
}

Result<BranchChanges> GitRepository::changes(const std::string& from, const std::string& to) {
  git_repository* repo = m_impl->repo.get();
  BranchChanges changes;
  changes.from = from;
  changes.to = to;
  MLOPS_TRY(from_oid, parse_oid(from));
  MLOPS_TRY(to_oid, parse_oid(to));
  MLOPS_TRY(new_tree, tree_of(repo, *to_oid));
  auto old_tree = tree_of(repo, *from_oid);
  if (!old_tree.ok()) {
    changes.from_missing = true;
    changes.rewritten = true;
    return changes;
  }
  int descendant = libgit2().git_graph_descendant_of(repo, &*to_oid, &*from_oid);
  changes.rewritten = descendant == 0 && !libgit2().git_oid_equal(&*to_oid, &*from_oid);
  if (!changes.rewritten) {
    changes.commit_count = count_commits(repo, *from_oid, *to_oid, true);
  } else {
    // Count from where the two histories part.
    git_oid base;
    if (libgit2().git_merge_base(&base, repo, &*from_oid, &*to_oid) == 0) {
      changes.commit_count = count_commits(repo, base, *to_oid, true);
    } else {
      changes.commit_count = count_commits(repo, *from_oid, *to_oid, false);
    }
  }
  git_diff_options options;
  libgit2().git_diff_options_init(&options, GIT_DIFF_OPTIONS_VERSION);
  git_diff* raw_diff = nullptr;
  if (libgit2().git_diff_tree_to_tree(&raw_diff, repo, old_tree->get(), new_tree->get(),
                                      &options) != 0) {
    return Error(ErrorKind::Io, fmt::format("cannot compare {} with {}: {}", from.substr(0, 7),
                                            to.substr(0, 7), last_error()));
  }
  Diff diff(raw_diff);
  size_t deltas = libgit2().git_diff_num_deltas(diff.get());
  for (size_t i = 0; i < deltas; ++i) {
    const git_diff_delta* delta = libgit2().git_diff_get_delta(diff.get(), i);
    if (delta->old_file.path) {
      changes.changed_paths.emplace_back(delta->old_file.path);
    }
    if (delta->new_file.path &&
        (!delta->old_file.path || std::string_view(delta->new_file.path) != delta->old_file.path)) {
      changes.changed_paths.emplace_back(delta->new_file.path);
    }
  }
  return changes;
}

}  // namespace mlops
