#include "web/pages_features.hpp"

#include <fmt/format.h>

#include "app/feature_group_views.hpp"
#include "app/feature_store.hpp"
#include "features/values.hpp"
#include "util/duration.hpp"
#include "web/pages_html.hpp"

namespace mlops::web {
namespace {

std::string group_path(const std::string& name) {
  return "/feature-groups/" + html::segment(name);
}

Result<Page> groups_page(const PageRequest& request) {
  std::vector<FeatureGroupListing> groups =
      list_feature_groups(feature_store_root(request.workspace.root()));
  Page page;
  page.title = "Feature groups";
  page.api = feature_group_list_json(groups);
  page.body = "<h1>Feature groups</h1>\n";
  if (groups.empty()) {
    page.body += html::empty_state(
        "no feature groups yet: see docs/feature-store.md (`mlops fg insert GROUP FILE` or a "
        "pipeline's feature_store: block)");
    return page;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& group : groups) {
    rows.push_back({html::link(request.links, group_path(group.name), group.name),
                    std::to_string(group.version),
                    group.error ? "<span class=\"error\">cannot be read: " +
                                      html::text(*group.error) + "</span>"
                                : std::to_string(group.latest_commit),
                    group.error ? "-" : (group.online ? "online" : "offline")});
  }
  page.body += html::table({"group", "version", "commits", "serving"}, rows, "feature-groups");
  return page;
}

std::string schema_html(const FeatureGroupSpec& spec) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& column : spec.primary_key) {
    rows.push_back({html::text(column.name), feature_type_name(column.type), "primary key"});
  }
  rows.push_back({html::text(spec.event_time), "time", "event time"});
  for (const auto& column : spec.features) {
    rows.push_back({html::text(column.name), feature_type_name(column.type),
                    column.nullable ? "feature (nullable)" : "feature"});
  }
  return "<h2>Schema</h2>\n" + html::table({"column", "type", "role"}, rows, "schema");
}

std::string commits_html(const PageRequest& request, const FeatureGroupOverview& overview) {
  if (overview.commits.empty()) {
    return "<h2>Commits</h2>\n" + html::empty_state("no commits yet");
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : overview.commits) {
    rows.push_back({std::to_string(c.id), html::text(format_event_time(c.committed_at)),
                    html::text(c.operation),
                    fmt::format("+{} ~{} -{}", c.rows_inserted, c.rows_updated, c.rows_deleted),
                    html::text(c.content_hash.substr(0, 12)),
                    c.run_id.empty()
                        ? "-"
                        : html::link(request.links, "/runs/" + html::segment(c.run_id), c.run_id),
                    html::text(c.stage), html::text(c.source), html::text(c.message)});
  }
  return "<h2>Commits</h2>\n" + html::table({"commit", "committed", "operation", "rows", "content",
                                             "run", "stage", "source", "message"},
                                            rows, "commits");
}

std::string number_cell(const nlohmann::json& values, const char* key) {
  if (!values.is_object() || !values.contains(key) || !values[key].is_number()) {
    return "-";
  }
  return fmt::format("{:.6g}", values[key].get<double>());
}

std::string count_cell(const nlohmann::json& values, const char* key) {
  return values.is_object() && values.contains(key) && values[key].is_number_integer()
             ? std::to_string(values[key].get<int64_t>())
             : "-";
}

std::string stats_html(const nlohmann::json& stats) {
  if (stats.is_null()) {
    return "";
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [feature, values] : stats["features"].items()) {
    rows.push_back({html::text(feature), count_cell(values, "count"), count_cell(values, "nulls"),
                    number_cell(values, "min"), number_cell(values, "max"),
                    number_cell(values, "mean"), number_cell(values, "stddev"),
                    count_cell(values, "distinct")});
  }
  return fmt::format("<h2>Statistics of commit {}</h2>\n", stats["commit"].get<int64_t>()) +
         html::table({"feature", "count", "nulls", "min", "max", "mean", "stddev", "distinct"},
                     rows, "statistics");
}

int int_query(const PageRequest& request, const std::string& key, int fallback) {
  auto text = html::query_value(request, key);
  if (!text || text->empty() || text->size() > 6 ||
      text->find_first_not_of("0123456789") != std::string::npos) {
    return fallback;
  }
  return std::stoi(*text);
}

Result<Page> group_page(const PageRequest& request) {
  const std::string& name = request.params.at("name");
  auto group = FeatureGroupStore::open_existing(feature_store_root(request.workspace.root()), name,
                                                int_query(request, "version", 0));
  if (!group.ok()) {
    ErrorKind kind = group.error().kind();
    if (kind == ErrorKind::NotFound || kind == ErrorKind::Usage) {
      return html::error_page(404, "No such feature group", group.error().message());
    }
    return group.error();
  }
  MLOPS_TRY(overview, feature_group_overview(**group, int_query(request, "commits", 20)));
  const FeatureGroupSpec& spec = (*group)->spec();
  nlohmann::json stats = nullptr;
  if (!overview->commits.empty()) {
    int64_t newest = overview->commits.front().id;
    MLOPS_TRY(values, (*group)->commit_stats(newest));
    stats = feature_stats_json(name, newest, *values);
  }
  Page page;
  page.title = fmt::format("Feature group {} v{}", spec.name, spec.version);
  page.api = feature_group_overview_json(**group, *overview);
  page.api["statistics"] = stats;
  page.body = fmt::format(
      "<h1>Feature group {} v{}</h1>\n<p>{}{}; oldest reachable commit {}</p>\n",
      html::text(spec.name), spec.version, spec.online ? "online" : "offline",
      spec.ttl ? html::text(", ttl " + format_duration(*spec.ttl)) : "", overview->floor);
  page.body += schema_html(spec) + commits_html(request, *overview) + stats_html(stats);
  return page;
}

Result<std::vector<std::string>> group_paths(Workspace& workspace) {
  std::vector<std::string> paths;
  std::string last;
  for (const auto& group : list_feature_groups(feature_store_root(workspace.root()))) {
    if (group.name != last) {  // one page per group: its newest version
      paths.push_back(group_path(group.name));
      last = group.name;
    }
  }
  return paths;
}

}  // namespace

std::vector<Route> features_routes() {
  return {
      {"/feature-groups", "Feature groups", groups_page,
       [](Workspace&) {
         return Result<std::vector<std::string>>(std::vector<std::string>{"/feature-groups"});
       }},
      {"/feature-groups/{name}", "", group_page, group_paths},
  };
}

}  // namespace mlops::web
