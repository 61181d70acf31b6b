#include "dag/selection.hpp"

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {
namespace {

Result<std::vector<size_t>> resolve(const Pipeline& pipeline, const std::string& name,
                                    const char* flag) {
  std::vector<size_t> found;
  std::vector<std::string> names;
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    const Stage& stage = pipeline.stages[i];
    if (stage.name == name || stage.base_name == name) {
      found.push_back(i);
    }
    if (names.empty() || names.back() != stage.base_name) {
      names.push_back(stage.base_name);
    }
  }
  if (found.empty()) {
    return Error(ErrorKind::Usage,
                 fmt::format("{} {}: no stage '{}' in pipeline '{}'{}", flag, name, name,
                             pipeline.name, did_you_mean(name, names)));
  }
  return found;
}

// Marks `roots` and everything reachable from them along `next`.
template <typename Next>
void mark_reachable(std::vector<bool>& marked, std::vector<size_t> roots, Next next) {
  while (!roots.empty()) {
    size_t node = roots.back();
    roots.pop_back();
    if (marked[node]) {
      continue;
    }
    marked[node] = true;
    for (size_t other : next(node)) {
      roots.push_back(other);
    }
  }
}

}  // namespace

Result<std::vector<bool>> select_stages(const Pipeline& pipeline, const Graph& graph,
                                        const SelectionRequest& request) {
  size_t n = pipeline.stages.size();
  std::vector<bool> selected(n, true);
  if (!request.stages.empty()) {
    std::vector<size_t> roots;
    for (const auto& name : request.stages) {
      auto found = resolve(pipeline, name, "--stage");
      if (!found.ok()) {
        return found.error();
      }
      roots.insert(roots.end(), found->begin(), found->end());
    }
    std::vector<bool> needed(n, false);
    mark_reachable(needed, roots, [&](size_t node) { return graph.upstream(node); });
    selected = needed;
  }
  if (!request.from.empty()) {
    std::vector<size_t> roots;
    for (const auto& name : request.from) {
      auto found = resolve(pipeline, name, "--from");
      if (!found.ok()) {
        return found.error();
      }
      roots.insert(roots.end(), found->begin(), found->end());
    }
    std::vector<bool> downstream(n, false);
    mark_reachable(downstream, roots, [&](size_t node) { return graph.downstream(node); });
    for (size_t i = 0; i < n; ++i) {
      selected[i] = selected[i] && downstream[i];
    }
  }
  return selected;
}

}  // namespace mlops
