// mlops lineage PATH|ARTIFACT_ID: what an artifact version came from (upstream) or what was made
// from it (downstream), across runs and pipelines, as a text tree, Graphviz dot or JSON. The walk
// is app/lineage's; this file draws it.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "app/lineage.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

// The text tree of a lineage graph, from its root in the walk's direction.
class LineageText {
 public:
  explicit LineageText(const LineageGraph& graph)
      : m_graph(graph), m_upstream(graph.direction == LineageDirection::Upstream) {}

  std::string render() {
    std::string out = artifact_line(m_graph.artifacts.at(m_graph.root)) + "\n";
    std::set<std::string> shown;
    text_children("artifact:" + std::to_string(m_graph.root), "", out, shown);
    return out;
  }

 private:
  static std::string artifact_line(const ArtifactRecord& artifact) {
    return fmt::format("{}  {}  ({}, {}, id {})", artifact.path, short_digest(artifact.digest),
                       artifact.kind, artifact_size(artifact.kind, artifact.size), artifact.id);
  }

  std::string execution_line(const ExecutionRecord& execution) {
    std::string line = fmt::format("{} {} in run {}", m_upstream ? "written by" : "read by",
                                   execution.stage, execution.run_id);
    // The run's details once, where it first appears.
    if (auto run = m_graph.runs.find(execution.run_id);
        run != m_graph.runs.end() && m_described_runs.insert(execution.run_id).second) {
      const RunRecord& r = run->second;
      line += fmt::format(" (pipeline {}, {}", r.pipeline, r.status);
      if (r.git_commit) {
        line += ", commit " + r.git_commit->substr(0, 10) +
                (r.git_dirty.value_or(false) ? "+dirty" : "");
      }
      line += ", params " + r.params_json + ")";
    }
    return line;
  }

  // Children of `node` in walk direction: for an artifact, executions; for an execution,
  // artifacts. Each subtree is printed once; later mentions say "(shown above)".
  void text_children(const std::string& node, const std::string& indent, std::string& out,
                     std::set<std::string>& shown) {
    if (!shown.insert(node).second) {
      return;
    }
    std::vector<std::string> children;
    for (const auto& edge : m_graph.edges) {
      const std::string& self = m_upstream ? edge.to : edge.from;
      const std::string& other = m_upstream ? edge.from : edge.to;
      if (self == node && std::find(children.begin(), children.end(), other) == children.end()) {
        children.push_back(other);
      }
    }
    bool is_artifact = node.starts_with("artifact:");
    if (is_artifact && m_upstream) {
      const ArtifactRecord& artifact = m_graph.artifacts.at(std::stoll(node.substr(9)));
      if (children.empty() && !artifact.producer && !artifact.reused_in.empty()) {
        // Restored from a remote (`run --pull`): a run elsewhere made it, not one recorded here.
        out += indent + "└─ (not produced here: taken from the cache or a remote in run" +
               (artifact.reused_in.size() == 1 ? " " : "s ") + join(artifact.reused_in, ", ") +
               "; the run that made it is in the store it was pushed from)\n";
      } else if (children.empty() && !artifact.producer) {
        out += indent + "└─ (a source: no stage wrote it)\n";
      }
      if (auto model = m_graph.models.find(artifact.id); model != m_graph.models.end()) {
        out += indent + (children.empty() ? "└─ " : "├─ ") +
               fmt::format("the bytes of model {} v{}, registered from {}\n", model->second.model,
                           model->second.version, model->second.path);
      }
      // Runs that took these bytes from the cache: they did not produce them.
      if (!artifact.reused_in.empty() && artifact.producer) {
        out += indent + (children.empty() ? "└─ " : "├─ ") + "reused from the cache in run" +
               (artifact.reused_in.size() == 1 ? " " : "s ") + join(artifact.reused_in, ", ") +
               "\n";
      }
    }
    for (size_t i = 0; i < children.size(); ++i) {
      bool last = i + 1 == children.size();
      std::string branch = last ? "└─ " : "├─ ";
      std::string next_indent = indent + (last ? "   " : "│  ");
      const std::string& child = children[i];
      std::string label;
      if (child.starts_with("execution:")) {
        label = execution_line(m_graph.executions.at(std::stoll(child.substr(10))));
      } else {
        label = (m_upstream ? "read " : "wrote ") +
                artifact_line(m_graph.artifacts.at(std::stoll(child.substr(9))));
      }
      bool repeated = shown.count(child) > 0;
      out += indent + branch + label + (repeated ? "  (shown above)" : "") + "\n";
      if (!repeated) {
        text_children(child, next_indent, out, shown);
      }
    }
  }

  const LineageGraph& m_graph;
  bool m_upstream;
  std::set<std::string> m_described_runs;  // runs already described
};

std::string lineage_dot(const LineageGraph& graph) {
  std::string out = "digraph lineage {\n  rankdir=LR;\n";
  for (const auto& [id, artifact] : graph.artifacts) {
    out += fmt::format("  \"artifact:{}\" [shape=ellipse, label=\"{}\\n{}\"];\n", id, artifact.path,
                       short_digest(artifact.digest));
  }
  for (const auto& [id, execution] : graph.executions) {
    out += fmt::format("  \"execution:{}\" [shape=box, label=\"{}\\nrun {}\"];\n", id,
                       execution.stage, execution.run_id);
  }
  for (const auto& edge : graph.edges) {
    out += fmt::format("  \"{}\" -> \"{}\";\n", edge.from, edge.to);
  }
  return out + "}\n";
}

int fail(const std::string& message) {
  return report_query_error(Error(ErrorKind::NotFound, message));
}

}  // namespace

int lineage_command(const LineageCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  MetadataStore& store = *space->store();
  std::string target =
      is_artifact_id(command.target) ? command.target : workspace_path_argument(command.target);
  auto root = find_lineage_root(store, target);
  if (!root.ok()) {
    return fail(root.error().message());
  }
  if (!root->has_value()) {
    return fail(
        fmt::format("no recorded artifact '{}'; `mlops artifacts` lists them", command.target));
  }
  auto direction = command.downstream ? LineageDirection::Downstream : LineageDirection::Upstream;
  auto graph = walk_lineage(store, **root, direction, command.depth);
  if (!graph.ok()) {
    return fail(graph.error().message());
  }
  if (command.query.json || command.format == "json") {
    write_all(1, json_text(lineage_json(*graph), 2) + "\n");
  } else if (command.format == "dot") {
    write_all(1, lineage_dot(*graph));
  } else {
    write_all(1, LineageText(*graph).render());
  }
  return k_exit_success;
}

}  // namespace mlops
