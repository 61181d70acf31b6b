#include "app/lineage.hpp"

#include <set>
#include <string_view>

#include "app/record_json.hpp"

namespace mlops {
namespace {

// Walks the store from one artifact version, collecting what it meets into a LineageGraph.
class LineageWalk {
 public:
  LineageWalk(MetadataStore& store, LineageGraph& graph, int depth)
      : m_store(store),
        m_graph(graph),
        m_upstream(graph.direction == LineageDirection::Upstream),
        m_depth(depth) {}

  Status visit_artifact(int64_t artifact_id, int level) {
    if (level >= m_depth || !m_seen.insert("artifact:" + std::to_string(artifact_id)).second) {
      return Status::success();
    }
    MLOPS_TRY(executions, executions_next_to(artifact_id));
    for (const auto& execution : *executions) {
      MLOPS_CHECK(visit_execution(artifact_id, execution, level));
    }
    return Status::success();
  }

 private:
  // Upstream: the execution that wrote the artifact; downstream: those that read it.
  Result<std::vector<ExecutionRecord>> executions_next_to(int64_t artifact_id) {
    if (!m_upstream) {
      return m_store.executions_using(artifact_id, "input");
    }
    std::vector<ExecutionRecord> executions;
    const ArtifactRecord& artifact = m_graph.artifacts.at(artifact_id);
    std::optional<int64_t> producer_id = artifact.producer;
    if (!producer_id) {
      MLOPS_TRY(model, model_producer(artifact));
      producer_id = *model;
    }
    if (producer_id) {
      MLOPS_TRY(producer, m_store.find_execution(*producer_id));
      if (producer->has_value()) {
        executions.push_back(**producer);
      }
    }
    return executions;
  }

  // A materialized model (.mlops/models/NAME@SELECTOR) is a copy no stage wrote: its parent is
  // the execution that wrote the registered version with the same bytes.
  Result<std::optional<int64_t>> model_producer(const ArtifactRecord& artifact) {
    constexpr std::string_view k_models = ".mlops/models/";
    std::string_view path = artifact.path;
    if (!path.starts_with(k_models)) {
      return std::optional<int64_t>();
    }
    std::string_view label = path.substr(k_models.size());
    size_t at = label.find('@');
    if (at == std::string_view::npos || label.find('/') != std::string_view::npos) {
      return std::optional<int64_t>();
    }
    MLOPS_TRY(version, m_store.find_model_version_by_digest(std::string(label.substr(0, at)),
                                                            artifact.digest));
    if (!*version) {
      return std::optional<int64_t>();
    }
    MLOPS_TRY(history, m_store.artifact_history((*version)->path));
    for (const auto& candidate : *history) {
      if (candidate.digest == artifact.digest && candidate.producer) {
        m_graph.models[artifact.id] = **version;
        return candidate.producer;
      }
    }
    return std::optional<int64_t>();
  }

  Status visit_execution(int64_t artifact_id, const ExecutionRecord& execution, int level) {
    std::string node = "execution:" + std::to_string(execution.id);
    std::string artifact_node = "artifact:" + std::to_string(artifact_id);
    m_graph.edges.push_back(m_upstream ? LineageEdge{node, artifact_node, "output"}
                                       : LineageEdge{artifact_node, node, "input"});
    m_graph.executions[execution.id] = execution;
    if (!m_graph.runs.count(execution.run_id)) {
      MLOPS_TRY(run, m_store.find_run(execution.run_id));
      if (run->has_value()) {
        m_graph.runs[execution.run_id] = **run;
      }
    }
    if (!m_seen.insert(node).second) {
      return Status::success();
    }
    MLOPS_TRY(events, m_store.events_of_execution(execution.id));
    for (const auto& event : *events) {
      bool wanted = m_upstream ? event.direction == "input" : event.direction == "output";
      if (!wanted) {
        continue;
      }
      m_graph.artifacts[event.artifact.id] = event.artifact;
      std::string next = "artifact:" + std::to_string(event.artifact.id);
      m_graph.edges.push_back(m_upstream ? LineageEdge{next, node, "input"}
                                         : LineageEdge{node, next, "output"});
      MLOPS_CHECK(visit_artifact(event.artifact.id, level + 1));
    }
    return Status::success();
  }

  MetadataStore& m_store;
  LineageGraph& m_graph;
  bool m_upstream;
  int m_depth;
  std::set<std::string> m_seen;
};

}  // namespace

bool is_artifact_id(const std::string& target) {
  return !target.empty() && target.find_first_not_of("0123456789") == std::string::npos &&
         target.size() < 19;
}

Result<std::optional<ArtifactRecord>> find_lineage_root(MetadataStore& store,
                                                        const std::string& target) {
  if (is_artifact_id(target)) {
    return store.find_artifact(std::stoll(target));
  }
  return store.newest_artifact(target);
}

Result<LineageGraph> walk_lineage(MetadataStore& store, const ArtifactRecord& root,
                                  LineageDirection direction, int depth) {
  LineageGraph graph;
  graph.direction = direction;
  graph.root = root.id;
  graph.artifacts[root.id] = root;
  LineageWalk walk(store, graph, depth);
  MLOPS_CHECK(walk.visit_artifact(root.id, 0));
  return graph;
}

nlohmann::json lineage_json(const LineageGraph& graph) {
  nlohmann::json artifacts = nlohmann::json::array();
  for (const auto& [id, artifact] : graph.artifacts) {
    artifacts.push_back(artifact_json(artifact));
  }
  nlohmann::json executions = nlohmann::json::array();
  for (const auto& [id, execution] : graph.executions) {
    nlohmann::json item = execution_json(execution);
    if (auto run = graph.runs.find(execution.run_id); run != graph.runs.end()) {
      item["run_detail"] = run_json(run->second);
    }
    executions.push_back(item);
  }
  nlohmann::json models = nlohmann::json::array();
  for (const auto& [id, version] : graph.models) {
    models.push_back({{"artifact", id},
                      {"model", version.model},
                      {"version", version.version},
                      {"path", version.path}});
  }
  nlohmann::json edges = nlohmann::json::array();
  for (const auto& edge : graph.edges) {
    edges.push_back({{"from", edge.from}, {"to", edge.to}, {"kind", edge.kind}});
  }
  bool upstream = graph.direction == LineageDirection::Upstream;
  return {{"root", graph.root},     {"direction", upstream ? "upstream" : "downstream"},
          {"artifacts", artifacts}, {"executions", executions},
          {"edges", edges},         {"models", models}};
}

}  // namespace mlops
