// mlops lineage PATH|ARTIFACT_ID: what an artifact version came from (upstream) or what was made
// from it (downstream), across runs and pipelines, as a text tree, Graphviz dot or JSON.
#include <map>
#include <set>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/record_json.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

struct LineageEdge {
  std::string from;  // "artifact:ID" or "execution:ID"
  std::string to;
  std::string kind;  // input | output
};

// Walks the store from one artifact version, collecting what it meets.
class LineageWalk {
 public:
  LineageWalk(MetadataStore& store, bool upstream, int depth)
      : m_store(store), m_upstream(upstream), m_depth(depth) {}

  Status walk(const ArtifactRecord& root) {
    m_artifacts[root.id] = root;
    return visit_artifact(root.id, 0);
  }

  std::string text(int64_t root) const {
    std::string out = artifact_line(m_artifacts.at(root)) + "\n";
    std::set<std::string> shown;
    text_children("artifact:" + std::to_string(root), "", out, shown);
    return out;
  }

  std::string dot() const {
    std::string out = "digraph lineage {\n  rankdir=LR;\n";
    for (const auto& [id, artifact] : m_artifacts) {
      out += fmt::format("  \"artifact:{}\" [shape=ellipse, label=\"{}\\n{}\"];\n", id,
                         artifact.path, short_digest(artifact.digest));
    }
    for (const auto& [id, execution] : m_executions) {
      out += fmt::format("  \"execution:{}\" [shape=box, label=\"{}\\nrun {}\"];\n", id,
                         execution.stage, execution.run_id);
    }
    for (const auto& edge : m_edges) {
      out += fmt::format("  \"{}\" -> \"{}\";\n", edge.from, edge.to);
    }
    return out + "}\n";
  }

  nlohmann::json json(int64_t root) const {
    nlohmann::json artifacts = nlohmann::json::array();
    for (const auto& [id, artifact] : m_artifacts) {
      artifacts.push_back(artifact_json(artifact));
    }
    nlohmann::json executions = nlohmann::json::array();
    for (const auto& [id, execution] : m_executions) {
      nlohmann::json item = execution_json(execution);
      if (auto run = m_runs.find(execution.run_id); run != m_runs.end()) {
        item["run_detail"] = run_json(run->second);
      }
      executions.push_back(item);
    }
    nlohmann::json edges = nlohmann::json::array();
    for (const auto& edge : m_edges) {
      edges.push_back({{"from", edge.from}, {"to", edge.to}, {"kind", edge.kind}});
    }
    return {{"root", root},
            {"direction", m_upstream ? "upstream" : "downstream"},
            {"artifacts", artifacts},
            {"executions", executions},
            {"edges", edges}};
  }

 private:
  Status visit_artifact(int64_t artifact_id, int level) {
    if (level >= m_depth || !m_seen.insert("artifact:" + std::to_string(artifact_id)).second) {
      return Status::success();
    }
    std::vector<ExecutionRecord> executions;
    if (m_upstream) {
      const ArtifactRecord& artifact = m_artifacts.at(artifact_id);
      if (!artifact.producer) {
        return Status::success();
      }
      MLOPS_TRY(producer, m_store.find_execution(*artifact.producer));
      if (producer->has_value()) {
        executions.push_back(**producer);
      }
    } else {
      MLOPS_TRY(users, m_store.executions_using(artifact_id, "input"));
      executions = *users;
    }
    for (const auto& execution : executions) {
      std::string node = "execution:" + std::to_string(execution.id);
      std::string artifact_node = "artifact:" + std::to_string(artifact_id);
      m_edges.push_back(m_upstream ? LineageEdge{node, artifact_node, "output"}
                                   : LineageEdge{artifact_node, node, "input"});
      m_executions[execution.id] = execution;
      if (!m_runs.count(execution.run_id)) {
        MLOPS_TRY(run, m_store.find_run(execution.run_id));
        if (run->has_value()) {
          m_runs[execution.run_id] = **run;
        }
      }
      if (!m_seen.insert(node).second) {
        continue;
      }
      MLOPS_TRY(events, m_store.events_of_execution(execution.id));
      for (const auto& event : *events) {
        bool wanted = m_upstream ? event.direction == "input" : event.direction == "output";
        if (!wanted) {
          continue;
        }
        m_artifacts[event.artifact.id] = event.artifact;
        std::string next = "artifact:" + std::to_string(event.artifact.id);
        m_edges.push_back(m_upstream ? LineageEdge{next, node, "input"}
                                     : LineageEdge{node, next, "output"});
        MLOPS_CHECK(visit_artifact(event.artifact.id, level + 1));
      }
    }
    return Status::success();
  }

  static std::string artifact_line(const ArtifactRecord& artifact) {
    return fmt::format("{}  {}  ({}, {}, id {})", artifact.path, short_digest(artifact.digest),
                       artifact.kind, human_size(artifact.size), artifact.id);
  }

  std::string execution_line(const ExecutionRecord& execution) const {
    std::string line = fmt::format("{} {} in run {}", m_upstream ? "written by" : "read by",
                                   execution.stage, execution.run_id);
    // The run's details once, where it first appears.
    if (auto run = m_runs.find(execution.run_id);
        run != m_runs.end() && m_described_runs.insert(execution.run_id).second) {
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
                     std::set<std::string>& shown) const {
    if (!shown.insert(node).second) {
      return;
    }
    std::vector<std::string> children;
    for (const auto& edge : m_edges) {
      const std::string& self = m_upstream ? edge.to : edge.from;
      const std::string& other = m_upstream ? edge.from : edge.to;
      if (self == node && std::find(children.begin(), children.end(), other) == children.end()) {
        children.push_back(other);
      }
    }
    bool is_artifact = node.starts_with("artifact:");
    if (is_artifact && children.empty() && m_upstream) {
      int64_t id = std::stoll(node.substr(9));
      if (!m_artifacts.at(id).producer) {
        out += indent + "└─ (a source: no stage wrote it)\n";
      }
    }
    for (size_t i = 0; i < children.size(); ++i) {
      bool last = i + 1 == children.size();
      std::string branch = last ? "└─ " : "├─ ";
      std::string next_indent = indent + (last ? "   " : "│  ");
      const std::string& child = children[i];
      std::string label;
      if (child.starts_with("execution:")) {
        label = execution_line(m_executions.at(std::stoll(child.substr(10))));
      } else {
        label = (m_upstream ? "read " : "wrote ") +
                artifact_line(m_artifacts.at(std::stoll(child.substr(9))));
      }
      bool repeated = shown.count(child) > 0;
      out += indent + branch + label + (repeated ? "  (shown above)" : "") + "\n";
      if (!repeated) {
        text_children(child, next_indent, out, shown);
      }
    }
  }

  MetadataStore& m_store;
  bool m_upstream;
  int m_depth;
  std::map<int64_t, ArtifactRecord> m_artifacts;
  std::map<int64_t, ExecutionRecord> m_executions;
  std::map<std::string, RunRecord> m_runs;
  std::vector<LineageEdge> m_edges;
  std::set<std::string> m_seen;
  mutable std::set<std::string> m_described_runs;  // for text(): runs already described
};

int fail(const std::string& message) {
  return report_query_error(Error(ErrorKind::NotFound, message));
}

}  // namespace

int lineage_command(const LineageCommand& command) {
  auto store = open_existing_store(command.query);
  if (!store) {
    return k_exit_invalid;
  }
  std::optional<ArtifactRecord> root;
  bool numeric = !command.target.empty() &&
                 command.target.find_first_not_of("0123456789") == std::string::npos;
  if (numeric) {
    auto found = store->find_artifact(std::stoll(command.target));
    if (!found.ok()) {
      return fail(found.error().message());
    }
    root = *found;
  } else {
    std::string path = workspace_path_argument(command.target);
    auto history = store->artifact_history(path);
    if (!history.ok()) {
      return fail(history.error().message());
    }
    if (!history->empty()) {
      root = history->front();
    }
  }
  if (!root) {
    return fail(
        fmt::format("no recorded artifact '{}'; `mlops artifacts` lists them", command.target));
  }
  LineageWalk walk(*store, !command.downstream, command.depth);
  Status walked = walk.walk(*root);
  if (!walked.ok()) {
    return fail(walked.error().message());
  }
  if (command.query.json || command.format == "json") {
    write_all(1, walk.json(root->id).dump(2) + "\n");
  } else if (command.format == "dot") {
    write_all(1, walk.dot());
  } else {
    write_all(1, walk.text(root->id));
  }
  return k_exit_success;
}

}  // namespace mlops
