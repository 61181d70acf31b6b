#include "web/pages_registry.hpp"

#include <fmt/format.h>

#include "app/models.hpp"
#include "app/models_json.hpp"
#include "util/strings.hpp"
#include "web/pages_html.hpp"

namespace mlops::web {
namespace {

std::string version_label(std::optional<int64_t> version) {
  return version ? fmt::format("v{}", *version) : "-";
}

std::string tags_html(const std::vector<ModelTag>& tags) {
  std::vector<std::string> parts;
  for (const ModelTag& tag : tags) {
    parts.push_back(html::text(tag.key + "=" + tag.value));
  }
  return parts.empty() ? "-" : join(parts, ", ");
}

std::string aliases_html(const ModelSummary& model) {
  std::vector<std::string> parts;
  for (const auto& [alias, version] : model.aliases) {
    parts.push_back(html::text(fmt::format("{}=v{}", alias, version)));
  }
  return parts.empty() ? "-" : join(parts, ", ");
}

std::string model_path(const std::string& name) {
  return "/models/" + html::segment(name);
}

std::string lineage_path(const std::string& model, int64_t version) {
  return "/lineage?model=" + html::segment(fmt::format("{}@v{}", model, version));
}

std::string run_cell(const Links& links, const std::optional<std::string>& run) {
  return run ? html::link(links, "/runs/" + html::segment(*run), *run) : "-";
}

Result<Page> models_page(const PageRequest& request) {
  Page page;
  page.title = "Models";
  MetadataStore* store = request.workspace.store();
  std::vector<ModelSummary> models;
  if (store) {
    MLOPS_TRY(listed, list_models(*store));
    models = std::move(*listed);
  }
  page.api = model_list_json(models);
  page.body = "<h1>Models</h1>\n";
  if (models.empty()) {
    page.body += html::empty_state(
        "no models registered yet: see docs/registry.md (a stage's `register:` or `mlops models`)");
    return page;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& model : models) {
    rows.push_back({html::link(request.links, model_path(model.name), model.name),
                    std::to_string(model.versions), html::text(version_label(model.latest)),
                    aliases_html(model), tags_html(model.tags), html::text(model.created_at)});
  }
  page.body +=
      html::table({"model", "versions", "latest", "aliases", "tags", "created"}, rows, "models");
  return page;
}

std::string versions_html(const PageRequest& request, const ModelDetails& details) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& version : details.versions) {
    const ModelVersionRecord& record = version.record;
    rows.push_back({html::link(request.links, lineage_path(record.model, record.version),
                               fmt::format("v{}", record.version)),
                    html::text(record.created_at), html::text(record.digest.substr(0, 12)),
                    std::to_string(record.size), html::text(record.path),
                    run_cell(request.links, record.run_id),
                    version.gate ? html::status_badge(version.gate->verdict) : "-",
                    version.aliases.empty() ? "-" : html::text(join(version.aliases, ", ")),
                    tags_html(version.tags)});
  }
  std::string out = "<h2>Versions</h2>\n" + html::table({"version", "created", "digest", "size",
                                                         "path", "run", "gate", "aliases", "tags"},
                                                        rows, "versions");
  if (details.more) {
    out += "<p class=\"muted\">" +
           html::link(request.links, model_path(details.summary.name) + "?all=1",
                      "older versions left out: all") +
           "</p>\n";
  }
  return out;
}

std::string history_html(const PageRequest& request, const std::vector<AliasMove>& moves) {
  if (moves.empty()) {
    return "<h2>Alias history</h2>\n" + html::empty_state("no alias of this model was ever set");
  }
  std::vector<std::vector<std::string>> rows;
  for (auto it = moves.rbegin(); it != moves.rend(); ++it) {  // newest first
    const AliasMove& move = *it;
    rows.push_back(
        {html::text(move.at), html::text(move.alias),
         html::text(fmt::format("{} -> v{}", version_label(move.from_version), move.to_version)),
         html::text(move.action), html::text(move.actor), html::text(move.reason.value_or("-")),
         move.gate_result ? std::to_string(*move.gate_result) : "-",
         run_cell(request.links, move.run_id)});
  }
  return "<h2>Alias history</h2>\n" +
         html::table({"time", "alias", "move", "action", "actor", "reason", "gate", "run"}, rows,
                     "alias-history");
}

Result<Page> model_page(const PageRequest& request) {
  const std::string& name = request.params.at("name");
  MetadataStore* store = request.workspace.store();
  if (!store) {
    return html::error_page(404, "No such model", "no model '" + name + "': nothing is recorded");
  }
  ShowModelRequest show{name, 20, std::nullopt};
  if (html::query_value(request, "all")) {
    show.limit.reset();
  }
  auto details = show_model(*store, show);
  if (!details.ok()) {
    ErrorKind kind = details.error().kind();
    if (kind == ErrorKind::NotFound || kind == ErrorKind::Usage) {
      return html::error_page(404, "No such model", details.error().message());
    }
    return details.error();
  }
  MLOPS_TRY(history, model_history(*store, name, std::nullopt));
  Page page;
  page.title = "Model " + name;
  page.api = model_details_json(*details);
  page.api["history"] = model_history_json(name, *history)["moves"];
  const ModelSummary& model = details->summary;
  page.body = fmt::format(
      "<h1>Model {}</h1>\n<p>{} version{}, latest {}, created {}<br>aliases: {}<br>tags: {}</p>\n",
      html::text(model.name), model.versions, model.versions == 1 ? "" : "s",
      html::text(version_label(model.latest)), html::text(model.created_at), aliases_html(model),
      tags_html(model.tags));
  page.body += versions_html(request, *details) + history_html(request, *history);
  return page;
}

Result<std::vector<std::string>> model_paths(Workspace& workspace) {
  std::vector<std::string> paths;
  if (MetadataStore* store = workspace.store()) {
    MLOPS_TRY(models, list_models(*store));
    for (const auto& model : *models) {
      paths.push_back(model_path(model.name));
    }
  }
  return paths;
}

}  // namespace

std::vector<Route> registry_routes() {
  return {
      {"/models", "Models", models_page,
       [](Workspace&) {
         return Result<std::vector<std::string>>(std::vector<std::string>{"/models"});
       }},
      {"/models/{name}", "", model_page, model_paths},
  };
}

}  // namespace mlops::web
