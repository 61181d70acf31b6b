#include "dag/schedule.hpp"

namespace mlops {

Schedule::Schedule(const Graph& graph, std::vector<bool> selected)
    : m_graph(graph),
      m_selected(std::move(selected)),
      m_chain(graph.chain_lengths()),
      m_pending(graph.size(), 0),
      m_blocked(graph.size(), false),
      m_ready(ReadyOrder{&m_chain}) {
  for (size_t node = 0; node < graph.size(); ++node) {
    if (!m_selected[node]) {
      continue;
    }
    ++m_unfinished;
    for (size_t up : graph.upstream(node)) {
      if (m_selected[up]) {
        ++m_pending[node];
      }
    }
    if (m_pending[node] == 0) {
      m_ready.push(node);
    }
  }
}

size_t Schedule::pop_ready() {
  size_t node = m_ready.top();
  m_ready.pop();
  return node;
}

void Schedule::succeeded(size_t node) {
  --m_unfinished;
  for (size_t child : m_graph.downstream(node)) {
    if (m_selected[child] && !m_blocked[child] && --m_pending[child] == 0) {
      m_ready.push(child);
    }
  }
}

std::vector<size_t> Schedule::failed(size_t node) {
  --m_unfinished;
  std::vector<size_t> blocked;
  std::vector<size_t> stack(m_graph.downstream(node));
  while (!stack.empty()) {
    size_t child = stack.back();
    stack.pop_back();
    if (!m_selected[child] || m_blocked[child]) {
      continue;
    }
    m_blocked[child] = true;
    --m_unfinished;
    blocked.push_back(child);
    for (size_t next : m_graph.downstream(child)) {
      stack.push_back(next);
    }
  }
  return blocked;
}

}  // namespace mlops
