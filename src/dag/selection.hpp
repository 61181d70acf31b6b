// Which stages a run covers: `--stage S` (S and everything it needs, transitively) and `--from S`
// (S and everything downstream of it). A name is a stage, a matrix stage's base name (all its
// combinations) or one combination ("train[model=a,fold=1]").
#pragma once

#include <string>
#include <vector>

#include "dag/graph.hpp"
#include "spec/pipeline.hpp"
#include "util/error.hpp"

namespace mlops {

struct SelectionRequest {
  std::vector<std::string> stages;  // --stage; empty means every stage
  std::vector<std::string> from;    // --from; empty means no lower bound
};

// One flag per stage: true when the run covers it. With both flags, a stage must satisfy both.
// A Usage error names any stage that does not exist, with a suggestion.
Result<std::vector<bool>> select_stages(const Pipeline& pipeline, const Graph& graph,
                                        const SelectionRequest& request);

}  // namespace mlops
