#include "app/feature_group_views.hpp"

#include "features/values.hpp"

namespace mlops {
namespace {

using nlohmann::json;

json schema_json(const FeatureGroupSpec& spec) {
  auto columns = [](const std::vector<FeatureColumnSpec>& list) {
    json out = json::array();
    for (const auto& c : list) {
      out.push_back(
          {{"name", c.name}, {"type", feature_type_name(c.type)}, {"nullable", c.nullable}});
    }
    return out;
  };
  return {{"name", spec.name},
          {"version", spec.version},
          {"primary_key", columns(spec.primary_key)},
          {"event_time", spec.event_time},
          {"features", columns(spec.features)},
          {"online", spec.online},
          {"ttl_ms", spec.ttl ? json(spec.ttl->count()) : json(nullptr)},
          {"delay_ms", spec.delay.count()}};
}

}  // namespace

std::vector<FeatureGroupListing> list_feature_groups(const std::filesystem::path& fs_root) {
  std::vector<FeatureGroupListing> groups;
  for (const auto& [name, version] : FeatureGroupStore::list(fs_root)) {
    FeatureGroupListing listing{name, version, std::nullopt, 0, false};
    auto group = FeatureGroupStore::open_existing(fs_root, name, version);
    if (!group.ok()) {
      listing.error = group.error().message();
    } else {
      auto latest = (*group)->latest_commit();
      listing.latest_commit = latest.ok() && *latest ? (*latest)->id : 0;
      listing.online = (*group)->spec().online;
    }
    groups.push_back(std::move(listing));
  }
  return groups;
}

json feature_group_list_json(const std::vector<FeatureGroupListing>& groups) {
  json list = json::array();
  for (const auto& group : groups) {
    if (group.error) {
      list.push_back({{"name", group.name}, {"version", group.version}, {"error", *group.error}});
    } else {
      list.push_back({{"name", group.name},
                      {"version", group.version},
                      {"latest_commit", group.latest_commit},
                      {"online", group.online}});
    }
  }
  return list;
}

json feature_commit_json(const FeatureGroupSpec& spec, const CommitRecord& commit) {
  json doc = {{"commit", commit.id},
              {"uri", commit_uri(spec.name, spec.version, commit.id)},
              {"committed_at", format_event_time(commit.committed_at)},
              {"operation", commit.operation},
              {"rows_inserted", commit.rows_inserted},
              {"rows_updated", commit.rows_updated},
              {"rows_deleted", commit.rows_deleted},
              {"rows_dropped", commit.rows_dropped},
              {"content_hash", commit.content_hash},
              {"run", commit.run_id.empty() ? json(nullptr) : json(commit.run_id)},
              {"stage", commit.stage.empty() ? json(nullptr) : json(commit.stage)},
              {"source", commit.source},
              {"message", commit.message}};
  if (!commit.validation.empty()) {
    doc["validation"] = json::parse(commit.validation, nullptr, false);
  }
  return doc;
}

Result<FeatureGroupOverview> feature_group_overview(FeatureGroupStore& group, int limit) {
  FeatureGroupOverview overview;
  MLOPS_TRY(commits, group.commits(limit));
  MLOPS_TRY(floor, group.floor());
  MLOPS_TRY(pins, group.pins());
  overview.commits = std::move(*commits);
  overview.floor = *floor;
  overview.pins = std::move(*pins);
  return overview;
}

json feature_group_overview_json(FeatureGroupStore& group, const FeatureGroupOverview& overview) {
  const FeatureGroupSpec& spec = group.spec();
  json commits = json::array();
  for (const auto& commit : overview.commits) {
    commits.push_back(feature_commit_json(spec, commit));
  }
  json doc = schema_json(spec);
  doc["path"] = group.path().string();
  doc["oldest_reachable_commit"] = overview.floor;
  doc["recent_commits"] = commits;
  json pinned = json::array();
  for (const auto& [dataset, commit] : overview.pins) {
    pinned.push_back({{"dataset", dataset}, {"commit", commit}});
  }
  doc["pinned_by"] = pinned;
  return doc;
}

json feature_stats_json(const std::string& group, int64_t commit,
                        const std::vector<std::pair<std::string, std::string>>& stats) {
  json doc = {{"group", group}, {"commit", commit}, {"features", json::object()}};
  for (const auto& [feature, text] : stats) {
    doc["features"][feature] = json::parse(text, nullptr, false);
  }
  return doc;
}

}  // namespace mlops
