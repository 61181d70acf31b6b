// What front ends show of feature groups (docs/feature-store.md): the groups stored in a
// workspace, one group's schema with its recent commits, a commit's statistics, and their JSON
// forms, shared by `mlops fg list|show|commits|stats --json` and the web UI's
// /api/feature-groups pages.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "features/group_store.hpp"
#include "util/error.hpp"

namespace mlops {

// One stored version of a group, as `fg list` shows it.
struct FeatureGroupListing {
  std::string name;
  int version = 0;
  std::optional<std::string> error;  // the group cannot be read (the rest is then unset)
  int64_t latest_commit = 0;         // 0: no commit yet
  bool online = false;
};

// Every stored version of every group under the feature store root (feature_store_root()),
// sorted by name and version. A group that cannot be opened is listed with its error.
std::vector<FeatureGroupListing> list_feature_groups(const std::filesystem::path& fs_root);

// `fg list --json`: [{"name", "version", "latest_commit", "online"} or {"name", "version",
// "error"}].
nlohmann::json feature_group_list_json(const std::vector<FeatureGroupListing>& groups);

// A commit as `fg commits --json` lists it.
nlohmann::json feature_commit_json(const FeatureGroupSpec& spec, const CommitRecord& commit);

// A group version's schema, recent commits (newest first), oldest reachable commit, and the
// datasets pinning its commits: what `fg show` prints.
struct FeatureGroupOverview {
  std::vector<CommitRecord> commits;
  int64_t floor = 1;
  std::vector<std::pair<std::string, int64_t>> pins;  // (dataset, commit)
};

// Reads the overview with at most `limit` commits (0: all). Io when the group's file fails.
Result<FeatureGroupOverview> feature_group_overview(FeatureGroupStore& group, int limit);

// `fg show --json`: the schema ({"name", "version", "primary_key", "event_time", "features",
// "online", "ttl_ms", "delay_ms"}) with "path", "oldest_reachable_commit", "recent_commits" and
// "pinned_by".
nlohmann::json feature_group_overview_json(FeatureGroupStore& group,
                                           const FeatureGroupOverview& overview);

// `fg stats --json`: {"group", "commit", "features": {FEATURE: statistics}} from
// FeatureGroupStore::commit_stats (statistics that are not JSON come out as null).
nlohmann::json feature_stats_json(const std::string& group, int64_t commit,
                                  const std::vector<std::pair<std::string, std::string>>& stats);

}  // namespace mlops
