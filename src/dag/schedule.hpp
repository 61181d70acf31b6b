// The ready queue of a run: which selected stages may start now.
//
// A stage becomes ready the moment its last selected upstream stage succeeds (upstream stages
// outside the selection are taken as done). Among ready stages, the one heading the longest
// chain goes first, then stage order, so the critical path starts as early as possible.
// Every operation costs O(log n) plus the edges it touches: nothing scans the whole graph.
#pragma once

#include <queue>
#include <vector>

#include "dag/graph.hpp"

namespace mlops {

class Schedule {
 public:
  Schedule(const Graph& graph, std::vector<bool> selected);

  bool has_ready() const { return !m_ready.empty(); }
  // The next stage to start; has_ready() must be true.
  size_t pop_ready();

  // `node` finished well: its downstream stages may become ready.
  void succeeded(size_t node);
  // `node` failed: every selected stage downstream of it can no longer run. Returns those stages
  // (each reported once over the whole run), in no particular order.
  std::vector<size_t> failed(size_t node);

  // Selected stages that have neither finished nor been blocked by a failure.
  size_t unfinished() const { return m_unfinished; }

 private:
  struct ReadyOrder {
    const std::vector<size_t>* chain;
    bool operator()(size_t a, size_t b) const {
      // priority_queue pops the largest: longer chain first, then the lower index.
      if ((*chain)[a] != (*chain)[b]) {
        return (*chain)[a] < (*chain)[b];
      }
      return a > b;
    }
  };

  const Graph& m_graph;
  std::vector<bool> m_selected;
  std::vector<size_t> m_chain;
  std::vector<size_t> m_pending;  // selected upstream stages not yet succeeded
  std::vector<bool> m_blocked;
  size_t m_unfinished = 0;
  std::priority_queue<size_t, std::vector<size_t>, ReadyOrder> m_ready;
};

}  // namespace mlops
