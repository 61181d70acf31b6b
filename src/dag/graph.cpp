#include "dag/graph.hpp"

#include <algorithm>
#include <map>
#include <queue>

#include <fmt/format.h>

#include "util/paths.hpp"

namespace mlops {
namespace {

// Output paths, ordered so that everything under a directory is one contiguous range.
using WriterIndex = std::map<std::string, size_t>;

WriterIndex index_writers(const Pipeline& pipeline) {
  WriterIndex writers;
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    for (const auto& out : pipeline.stages[i].outs) {
      writers.emplace(out.value, i);
    }
    for (const auto& metric : pipeline.stages[i].metrics) {
      writers.emplace(metric.value, i);
    }
  }
  return writers;
}

// Calls `visit(path, writer)` for each written path that `dep` is, is inside, or contains.
template <typename Visit>
void for_each_writer_of(const WriterIndex& writers, const std::string& dep, Visit visit) {
  if (dep == ".") {
    for (const auto& [path, writer] : writers) {
      visit(path, writer);
    }
    return;
  }
  // dep itself and each of its ancestors.
  std::string prefix = dep;
  while (true) {
    auto it = writers.find(prefix);
    if (it != writers.end()) {
      visit(it->first, it->second);
    }
    size_t slash = prefix.rfind('/');
    if (slash == std::string::npos) {
      break;
    }
    prefix.resize(slash);
  }
  // Paths below dep.
  std::string below = dep + "/";
  for (auto it = writers.lower_bound(below); it != writers.end() && it->first.starts_with(below);
       ++it) {
    visit(it->first, it->second);
  }
}

}  // namespace

Graph Graph::build(const Pipeline& pipeline) {
  Graph graph;
  size_t n = pipeline.stages.size();
  graph.m_downstream.resize(n);
  graph.m_upstream.resize(n);
  WriterIndex writers = index_writers(pipeline);
  for (size_t i = 0; i < n; ++i) {
    const Stage& stage = pipeline.stages[i];
    for (size_t need : stage.needs) {
      graph.add_edge(need, i);
    }
    for (const auto& dep : stage.deps) {
      for_each_writer_of(writers, dep.value, [&](const std::string&, size_t writer) {
        if (writer != i) {
          graph.add_edge(writer, i);
        }
      });
    }
  }
  return graph;
}

void Graph::add_edge(size_t from, size_t to) {
  auto& up = m_upstream[to];
  if (std::find(up.begin(), up.end(), from) != up.end()) {
    return;
  }
  up.push_back(from);
  m_downstream[from].push_back(to);
}

std::optional<std::vector<size_t>> Graph::find_cycle() const {
  enum class Color { White, Gray, Black };
  std::vector<Color> color(size(), Color::White);
  // Iterative DFS: (node, index of the next downstream edge to follow).
  std::vector<std::pair<size_t, size_t>> stack;
  for (size_t root = 0; root < size(); ++root) {
    if (color[root] != Color::White) {
      continue;
    }
    stack.push_back({root, 0});
    color[root] = Color::Gray;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == m_downstream[node].size()) {
        color[node] = Color::Black;
        stack.pop_back();
        continue;
      }
      size_t child = m_downstream[node][next++];
      if (color[child] == Color::Gray) {
        // The stack from `child` up to `node` is the cycle.
        std::vector<size_t> cycle;
        auto start = std::find_if(stack.begin(), stack.end(),
                                  [&](const auto& frame) { return frame.first == child; });
        for (auto it = start; it != stack.end(); ++it) {
          cycle.push_back(it->first);
        }
        cycle.push_back(child);
        return cycle;
      }
      if (color[child] == Color::White) {
        color[child] = Color::Gray;
        stack.push_back({child, 0});
      }
    }
  }
  return std::nullopt;
}

std::vector<size_t> Graph::topological_order() const {
  std::vector<size_t> pending(size());
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < size(); ++i) {
    pending[i] = m_upstream[i].size();
    if (pending[i] == 0) {
      ready.push(i);
    }
  }
  std::vector<size_t> order;
  order.reserve(size());
  while (!ready.empty()) {
    size_t node = ready.top();
    ready.pop();
    order.push_back(node);
    for (size_t child : m_downstream[node]) {
      if (--pending[child] == 0) {
        ready.push(child);
      }
    }
  }
  return order;
}

std::vector<size_t> Graph::chain_lengths() const {
  std::vector<size_t> order = topological_order();
  std::vector<size_t> length(size(), 1);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    for (size_t child : m_downstream[*it]) {
      length[*it] = std::max(length[*it], length[child] + 1);
    }
  }
  return length;
}

std::string Graph::explain_edge(const Pipeline& pipeline, size_t from, size_t to) const {
  const Stage& reader = pipeline.stages[to];
  const Stage& writer = pipeline.stages[from];
  if (std::find(reader.needs.begin(), reader.needs.end(), from) != reader.needs.end()) {
    return fmt::format("{} needs {}", reader.name, writer.name);
  }
  for (const auto& dep : reader.deps) {
    for (const auto* list : {&writer.outs, &writer.metrics}) {
      for (const auto& out : *list) {
        if (path_is_within(dep.value, out.value) || path_is_within(out.value, dep.value)) {
          return fmt::format("{} reads {}, written by {}", reader.name, dep.value, writer.name);
        }
      }
    }
  }
  return fmt::format("{} follows {}", reader.name, writer.name);
}

std::optional<std::string> describe_cycle(const Pipeline& pipeline, const Graph& graph,
                                          const std::vector<size_t>& cycle) {
  if (cycle.size() < 2) {
    return std::nullopt;
  }
  std::string path;
  std::string reasons;
  for (size_t i = 0; i < cycle.size(); ++i) {
    path += (i ? " -> " : "") + pipeline.stages[cycle[i]].name;
    if (i + 1 < cycle.size()) {
      reasons += (i ? "; " : "") + graph.explain_edge(pipeline, cycle[i], cycle[i + 1]);
    }
  }
  return fmt::format("cycle: {} ({}); remove one of these dependencies", path, reasons);
}

}  // namespace mlops
