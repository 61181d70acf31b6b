// The dependency graph of a pipeline's stages.
//
// An edge a -> b means b runs after a: b `needs` a, or one of b's deps is (or is inside, or
// contains) a path that a writes (outs and metrics). Nodes are stage indices into
// Pipeline::stages. Building is O(stages + edges + paths * depth * log paths), so a pipeline of
// 10,000 stages builds in milliseconds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/pipeline.hpp"

namespace mlops {

class Graph {
 public:
  static Graph build(const Pipeline& pipeline);

  size_t size() const { return m_downstream.size(); }
  const std::vector<size_t>& downstream(size_t node) const { return m_downstream[node]; }
  const std::vector<size_t>& upstream(size_t node) const { return m_upstream[node]; }

  // A cycle as the node path a, b, ..., a (first node repeated at the end), or nothing.
  std::optional<std::vector<size_t>> find_cycle() const;

  // Every node, each after all of its upstream nodes; ties in stage order. Needs no cycle.
  std::vector<size_t> topological_order() const;

  // For each node, the number of stages on the longest chain from it to the end of the graph
  // (itself included). The scheduler starts long chains first. Needs no cycle.
  std::vector<size_t> chain_lengths() const;

  // Why `to` depends on `from`, in words: "train needs split" or "train reads data/x.csv,
  // written by split".
  std::string explain_edge(const Pipeline& pipeline, size_t from, size_t to) const;

 private:
  void add_edge(size_t from, size_t to);

  std::vector<std::vector<size_t>> m_downstream;
  std::vector<std::vector<size_t>> m_upstream;
};

// "cycle: a -> b -> a (b needs a; a reads x, written by b)", or nothing for an acyclic graph.
std::optional<std::string> describe_cycle(const Pipeline& pipeline, const Graph& graph,
                                          const std::vector<size_t>& cycle);

}  // namespace mlops
