// The expanded DAG as text for other tools: Graphviz dot, Mermaid (Markdown) and JSON.
#pragma once

#include <string>

#include "dag/graph.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

std::string graph_to_dot(const Pipeline& pipeline, const Graph& graph);
std::string graph_to_mermaid(const Pipeline& pipeline, const Graph& graph);
// {"pipeline": ..., "stages": [{"name", "base_name", "matrix", "command", "deps", "outs",
//  "metrics", "upstream"}...], "edges": [{"from", "to"}...]}; documented in docs/cli.md.
std::string graph_to_json(const Pipeline& pipeline, const Graph& graph);

}  // namespace mlops
