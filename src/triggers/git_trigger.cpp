// The git trigger: fires when the watched branch moved and the commits since the last one seen
// change a watched path.
#include <fmt/format.h>

#include "git/branch_history.hpp"
#include "triggers/trigger.hpp"
#include "util/glob.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

// The changed paths under the repo directory that match a watched glob, relative to it.
std::vector<std::string> watched_changes(const GitTriggerSpec& spec, const std::string& prefix,
                                         const std::vector<std::string>& changed) {
  std::vector<Glob> globs;
  for (const auto& path : spec.paths) {
    if (auto glob = Glob::parse(path.value); glob.ok()) {
      globs.push_back(std::move(*glob));
    }
  }
  std::vector<std::string> matched;
  for (const auto& path : changed) {
    if (!path.starts_with(prefix)) {
      continue;  // outside the watched directory of a larger repository
    }
    std::string relative = path.substr(prefix.size());
    bool watched = globs.empty();
    for (const auto& glob : globs) {
      watched = watched || glob.matches(relative);
    }
    if (watched) {
      matched.push_back(relative);
    }
  }
  return matched;
}

std::string commits(std::optional<size_t> count) {
  if (!count) {
    return "new commits";
  }
  return *count == 1 ? "1 new commit" : fmt::format("{} new commits", *count);
}

// The commit and branch the trigger saw last (empty commit: none, the first check).
struct LastSeen {
  std::string commit;
  std::string branch;
};

LastSeen last_seen(const std::optional<TriggerState>& state, const std::string& branch) {
  LastSeen seen{"", branch};
  if (state) {
    auto parsed = nlohmann::json::parse(state->state_json, nullptr, false);
    if (parsed.is_object() && parsed.contains("commit") && parsed["commit"].is_string()) {
      seen.commit = parsed["commit"].get<std::string>();
      if (parsed.contains("branch") && parsed["branch"].is_string()) {
        seen.branch = parsed["branch"].get<std::string>();
      }
    }
  }
  return seen;
}

// How the branch got from the last commit seen to `to`, for the reason or the note.
std::string describe_move(const std::string& branch, const LastSeen& from, const std::string& to,
                          const BranchChanges& changes) {
  if (from.branch != branch) {
    // No branch named: HEAD was checked out to another branch since the last look.
    return fmt::format("HEAD moved from branch {} to {} ({} {} a descendant of {})", from.branch,
                       branch, short_id(to), changes.rewritten ? "is not" : "is",
                       short_id(from.commit));
  }
  if (changes.rewritten) {
    return fmt::format(
        "{} was rewritten (a force-push?): {} is not an ancestor of {}; {} since "
        "the histories parted",
        branch, short_id(from.commit), short_id(to), commits(changes.commit_count));
  }
  return fmt::format("{} on {}", commits(changes.commit_count), branch);
}

// The branch moved from `from` to `to`: fire when the commits between touch a watched path (or
// the last commit seen is gone), else note it and advance quietly.
void evaluate_move(const GitTriggerSpec& spec, GitRepository& repo, const std::string& branch,
                   const LastSeen& from, const std::string& to, const TriggerAdvance& advance,
                   TriggerOutcome& outcome) {
  auto changes = repo.changes(from.commit, to);
  if (!changes.ok()) {
    outcome.error = "git: " + changes.error().message();
    return;
  }
  std::string range = fmt::format("{}..{}", short_id(from.commit), short_id(to));
  Firing firing{"git",
                "",
                advance,
                {{"kind", "git"}, {"branch", branch}, {"commit", to}, {"previous", from.commit}}};
  if (changes->from_missing) {
    firing.reason = fmt::format(
        "git: {} moved to {}, but {} (the last commit seen) is not in the repository any more "
        "(history rewritten and collected{}); running to be safe",
        branch, short_id(to), short_id(from.commit),
        repo.is_shallow() ? ", or outside this shallow clone" : "");
    firing.detail["rewritten"] = true;
    outcome.firing = std::move(firing);
    return;
  }
  auto matched = watched_changes(spec, repo.prefix(), changes->changed_paths);
  std::string what = describe_move(branch, from, to, *changes);
  if (matched.empty()) {
    outcome.notes.push_back(
        fmt::format("git: {} ({}) touch no watched path; ignored", what, range));
    outcome.quiet_advance = advance;
    return;
  }
  firing.reason = fmt::format("git: {} touching {} ({})", what, short_list(matched), range);
  firing.detail["rewritten"] = changes->rewritten;
  firing.detail["paths"] = matched;
  outcome.firing = std::move(firing);
}

}  // namespace

TriggerOutcome evaluate_git(const GitTriggerSpec& spec, const TriggerContext& context,
                            const std::optional<TriggerState>& state) {
  TriggerOutcome outcome;
  outcome.key = trigger_key(spec);
  auto repo = GitRepository::open(context.workspace / spec.repo);
  if (!repo.ok()) {
    outcome.error = "git: " + repo.error().message();
    return outcome;
  }
  auto head = repo->branch_head(spec.branch);
  if (!head.ok()) {
    outcome.error = "git: " + head.error().message();
    return outcome;
  }
  std::string branch = spec.branch ? *spec.branch : repo->current_branch().value_or("HEAD");
  if (!head->has_value()) {
    outcome.notes.push_back(
        fmt::format("git: the repository has no commits on {} yet; waiting for the first", branch));
    return outcome;
  }
  const std::string& to = **head;
  nlohmann::json next = {{"commit", to}, {"branch", branch}};
  TriggerAdvance advance{context.pipeline, outcome.key, std::nullopt, json_text(next)};
  if (state) {
    advance.expected = state->state_json;
  }
  LastSeen from = last_seen(state, branch);
  if (from.commit.empty()) {
    outcome.notes.push_back(
        fmt::format("git: first check; watching {} from {}", branch, short_id(to)));
    outcome.quiet_advance = advance;
    return outcome;
  }
  if (from.commit != to) {
    evaluate_move(spec, *repo, branch, from, to, advance, outcome);
  }
  return outcome;
}

}  // namespace mlops
