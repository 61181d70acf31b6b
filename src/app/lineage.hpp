// Lineage: what an artifact version came from (upstream: the execution that wrote it, what that
// read, and so on) or what was made from it (downstream), across runs and pipelines, as a graph
// of artifact versions and stage executions. Front ends draw it (text tree, dot, JSON).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

enum class LineageDirection { Upstream, Downstream };

struct LineageEdge {
  std::string from;  // "artifact:ID" or "execution:ID"
  std::string to;
  std::string kind;  // input | output
};

struct LineageGraph {
  LineageDirection direction = LineageDirection::Upstream;
  int64_t root = 0;  // an artifact id
  std::map<int64_t, ArtifactRecord> artifacts;
  std::map<int64_t, ExecutionRecord> executions;
  std::map<std::string, RunRecord> runs;  // of the executions
  std::vector<LineageEdge> edges;         // in the order the walk met them
  // Upstream: a materialized model (.mlops/models/NAME@ALIAS, written by no stage) by artifact
  // id, and the registered version whose bytes it holds; the version's producer is its parent.
  std::map<int64_t, ModelVersionRecord> models;
};

// Whether a lineage target names an artifact by its id (all digits) rather than by its path.
bool is_artifact_id(const std::string& target);

// The artifact version `target` names: an id (is_artifact_id), or a workspace-relative path
// (its latest version). Nothing when no such artifact is recorded; Io when the store fails.
Result<std::optional<ArtifactRecord>> find_lineage_root(MetadataStore& store,
                                                        const std::string& target);

// Walks the store from `root`, at most `depth` artifacts deep. Io when the store fails.
Result<LineageGraph> walk_lineage(MetadataStore& store, const ArtifactRecord& root,
                                  LineageDirection direction, int depth);

// The graph as `mlops lineage --json` prints it (and /api/lineage serves it): {"root",
// "direction", "artifacts", "executions" (each with its run's "run_detail"), "edges", "models"}.
nlohmann::json lineage_json(const LineageGraph& graph);

}  // namespace mlops
