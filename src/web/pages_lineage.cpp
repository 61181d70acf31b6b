#include "web/pages_lineage.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app/lineage.hpp"
#include "app/models.hpp"
#include "report/svg.hpp"
#include "web/pages_html.hpp"

namespace mlops::web {
namespace {

constexpr double k_char = 7.2, k_height = 34, k_gap_x = 56, k_gap_y = 14, k_pad = 12;
constexpr size_t k_label_max = 48;

// One node of the drawn graph.
struct LineageNode {
  std::string id;      // "artifact:ID" / "execution:ID"
  std::string label;   // plain text
  std::string title;   // plain text (tooltip)
  std::string status;  // an execution's status; "artifact" for artifacts
  std::string link;    // a server path, or empty
  size_t column = 0;
  double x = 0, y = 0, width = 0;
};

std::string shorten(const std::string& text) {
  return text.size() <= k_label_max ? text : "…" + text.substr(text.size() - k_label_max + 1);
}

std::vector<LineageNode> lineage_nodes(const LineageGraph& graph) {
  std::vector<LineageNode> nodes;
  for (const auto& [id, artifact] : graph.artifacts) {
    std::string label = artifact.path + " " + artifact.digest.substr(0, 8);
    nodes.push_back(
        {"artifact:" + std::to_string(id), shorten(label),
         fmt::format("{} ({}, {} bytes, id {})", label, artifact.kind, artifact.size, id),
         "artifact", "", 0, 0, 0, 0});
  }
  for (const auto& [id, execution] : graph.executions) {
    std::string run = execution.run_id;
    if (auto found = graph.runs.find(run); found != graph.runs.end() && found->second.name) {
      run = *found->second.name;
    }
    nodes.push_back(
        {"execution:" + std::to_string(id), shorten(execution.stage + " · run " + run),
         fmt::format("{} in run {}: {}", execution.stage, execution.run_id, execution.status),
         execution.status, "/runs/" + html::segment(execution.run_id), 0, 0, 0, 0});
  }
  return nodes;
}

// Columns by the longest path from a source (relaxed at most n rounds: the store's edges could
// form a cycle after tampering), rows in node order, each column as wide as its widest label.
void place_nodes(std::vector<LineageNode>& nodes, const std::vector<LineageEdge>& edges,
                 double& total_width, double& total_height) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < nodes.size(); ++i) {
    index[nodes[i].id] = i;
  }
  for (size_t round = 0, changed = 1; changed && round < nodes.size(); ++round) {
    changed = 0;
    for (const auto& edge : edges) {
      auto from = index.find(edge.from), to = index.find(edge.to);
      if (from != index.end() && to != index.end() &&
          nodes[to->second].column < nodes[from->second].column + 1) {
        nodes[to->second].column = nodes[from->second].column + 1;
        changed = 1;
      }
    }
  }
  size_t columns = 0;
  for (const auto& node : nodes) {
    columns = std::max(columns, node.column + 1);
  }
  std::vector<double> width(columns, 80), rows(columns, 0);
  for (const auto& node : nodes) {
    width[node.column] = std::max(width[node.column], node.label.size() * k_char + 24);
  }
  std::vector<double> left(columns, k_pad);
  for (size_t c = 1; c < columns; ++c) {
    left[c] = left[c - 1] + width[c - 1] + k_gap_x;
  }
  total_height = 40;
  for (auto& node : nodes) {
    node.x = left[node.column];
    node.width = width[node.column];
    node.y = k_pad + rows[node.column]++ * (k_height + k_gap_y);
    total_height = std::max(total_height, node.y + k_height + k_pad);
  }
  total_width = columns ? left.back() + width.back() + k_pad : 100;
}

std::string lineage_svg(const LineageGraph& graph, const Links& links) {
  std::vector<LineageNode> nodes = lineage_nodes(graph);
  double width = 0, height = 0;
  place_nodes(nodes, graph.edges, width, height);
  std::map<std::string, const LineageNode*> by_id;
  for (const auto& node : nodes) {
    by_id[node.id] = &node;
  }
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"lineage\" class=\"dag\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"lineage graph\">\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" "
      "fill=\"#57606a\"/></marker></defs>\n",
      width, height, width, height);
  for (const auto& edge : graph.edges) {
    auto from = by_id.find(edge.from), to = by_id.find(edge.to);
    if (from == by_id.end() || to == by_id.end()) {
      continue;
    }
    double x1 = from->second->x + from->second->width, y1 = from->second->y + k_height / 2;
    double x2 = to->second->x, y2 = to->second->y + k_height / 2, middle = (x1 + x2) / 2;
    svg += fmt::format(
        "<path class=\"edge\" d=\"M {:.1f} {:.1f} C {:.1f} {:.1f}, {:.1f} {:.1f}, {:.1f} {:.1f}\" "
        "fill=\"none\" stroke=\"#57606a\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"/>\n",
        x1, y1, middle, y1, middle, y2, x2, y2);
  }
  for (const auto& node : nodes) {
    bool artifact = node.status == "artifact";
    std::string box = fmt::format(
        "<g class=\"node {}\" data-node=\"{}\"><title>{}</title><rect x=\"{:.1f}\" y=\"{:.1f}\" "
        "width=\"{:.1f}\" height=\"{:.0f}\" rx=\"{}\" fill=\"{}\"/><text x=\"{:.1f}\" y=\"{:.1f}\" "
        "text-anchor=\"middle\" fill=\"{}\">{}</text></g>",
        artifact ? "artifact" : "execution", html::text(node.id), html::text(node.title), node.x,
        node.y, node.width, k_height, artifact ? 16 : 4,
        artifact ? "#eaeef2" : status_colour(node.status), node.x + node.width / 2,
        node.y + k_height / 2 + 4.5,
        artifact || node.status == "cached" || node.status == "not run" ? "#1f2328" : "#ffffff",
        html::text(node.label));
    svg += node.link.empty()
               ? box + "\n"
               : fmt::format("<a href=\"{}\">{}</a>\n", html::text(links.to(node.link)), box);
  }
  return svg + "</svg>\n";
}

int depth_of(const PageRequest& request) {
  auto text = html::query_value(request, "depth");
  if (!text || text->empty() || text->size() > 3 ||
      text->find_first_not_of("0123456789") != std::string::npos) {
    return 10;
  }
  return std::clamp(std::stoi(*text), 1, 100);
}

// A model version named NAME@vN, NAME@ALIAS or NAME:N, as the artifact holding its bytes.
Result<std::optional<ArtifactRecord>> model_artifact(MetadataStore& store,
                                                     const std::string& text) {
  std::string reference = text;
  if (reference.find('@') == std::string::npos) {
    size_t colon = reference.rfind(':');
    if (colon != std::string::npos) {
      MLOPS_TRY(version, parse_model_version(reference.substr(colon + 1)));
      reference = fmt::format("{}@v{}", reference.substr(0, colon), *version);
    }
  }
  MLOPS_TRY(parsed, parse_model_reference(reference, ReferenceForm::Version));
  MLOPS_TRY(version, resolve_model(store, *parsed));
  MLOPS_TRY(history, store.artifact_history(version->path));
  for (const auto& artifact : *history) {
    if (artifact.digest == version->digest) {
      return std::optional(artifact);
    }
  }
  return std::optional<ArtifactRecord>();
}

Result<std::optional<ArtifactRecord>> lineage_root(MetadataStore& store,
                                                   const PageRequest& request) {
  if (auto model = html::query_value(request, "model")) {
    return model_artifact(store, *model);
  }
  std::string path = html::query_value(request, "path").value_or("");
  while (path.starts_with("./")) {
    path = path.substr(2);
  }
  return find_lineage_root(store, path);
}

Result<Page> start_page(const PageRequest& request) {
  Page page;
  page.title = "Lineage";
  page.api = {{"models", nlohmann::json::array()}};
  page.body = fmt::format(
      "<h1>Lineage</h1>\n<form method=\"get\" action=\"{}\">Path or artifact id: <input "
      "type=\"text\" name=\"path\" placeholder=\"models/model.pkl\"> "
      "<button>Show</button></form>\n",
      html::text(request.links.to("/lineage")));
  std::vector<std::string> items;
  if (MetadataStore* store = request.workspace.store()) {
    MLOPS_TRY(models, list_models(*store));
    for (const auto& model : *models) {
      if (model.latest) {
        std::string reference = fmt::format("{}@v{}", model.name, *model.latest);
        page.api["models"].push_back(reference);
        items.push_back(
            "<li>" +
            html::link(request.links, "/lineage?model=" + html::segment(reference), reference) +
            "</li>");
      }
    }
  }
  if (items.empty()) {
    page.body +=
        html::empty_state("no models registered yet: give a path above, or see docs/registry.md");
  } else {
    page.body += "<h2>Models</h2>\n<ul>\n";
    for (const auto& item : items) {
      page.body += item + "\n";
    }
    page.body += "</ul>\n";
  }
  return page;
}

Result<Page> lineage_page(const PageRequest& request) {
  if (!html::query_value(request, "model") && !html::query_value(request, "path")) {
    return start_page(request);
  }
  MetadataStore* store = request.workspace.store();
  if (!store) {
    return html::error_page(404, "Nothing recorded", "nothing is recorded in this workspace yet");
  }
  auto root = lineage_root(*store, request);
  if (!root.ok()) {
    ErrorKind kind = root.error().kind();
    if (kind == ErrorKind::NotFound || kind == ErrorKind::Usage) {
      return html::error_page(404, "No such artifact", root.error().message());
    }
    return root.error();
  }
  if (!root->has_value()) {
    return html::error_page(404, "No such artifact",
                            "no recorded artifact for this path or model (`mlops artifacts` "
                            "lists them)");
  }
  bool downstream = html::query_value(request, "direction").value_or("") == "downstream";
  MLOPS_TRY(graph,
            walk_lineage(*store, **root,
                         downstream ? LineageDirection::Downstream : LineageDirection::Upstream,
                         depth_of(request)));
  const ArtifactRecord& artifact = **root;
  Page page;
  page.title = "Lineage of " + artifact.path;
  page.api = lineage_json(*graph);
  page.body = fmt::format("<h1>Lineage of {}</h1>\n<p>version {} (artifact id {}), {}: {}</p>\n",
                          html::text(artifact.path), html::text(artifact.digest.substr(0, 12)),
                          artifact.id, downstream ? "downstream" : "upstream",
                          downstream ? "what was made from it" : "what it came from");
  for (const auto& [id, version] : graph->models) {
    page.body += fmt::format(
        "<p>the bytes of model {} v{}, registered from {}</p>\n",
        html::link(request.links, "/models/" + html::segment(version.model), version.model),
        version.version, html::text(version.path));
  }
  page.body += lineage_svg(*graph, request.links);
  return page;
}

// One page per registered model's newest version.
Result<std::vector<std::string>> lineage_paths(Workspace& workspace) {
  std::vector<std::string> paths{"/lineage"};
  if (MetadataStore* store = workspace.store()) {
    MLOPS_TRY(models, list_models(*store));
    for (const auto& model : *models) {
      if (model.latest) {
        paths.push_back("/lineage?model=" +
                        html::segment(fmt::format("{}@v{}", model.name, *model.latest)));
      }
    }
  }
  return paths;
}

}  // namespace

std::vector<Route> lineage_routes() {
  return {{"/lineage", "Lineage", lineage_page, lineage_paths}};
}

}  // namespace mlops::web
