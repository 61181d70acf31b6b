// From stage templates to runnable stages: matrix expansion, `${...}` interpolation, `needs`
// resolution and workspace-relative paths. Part of the loader; separate for testing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

struct ExpandContext {
  const PipelineSpec& spec;
  const ParamMap& params;  // defaults with overrides applied
  std::filesystem::path workspace;
  std::string run_id;
};

// One Stage per stage, or per matrix combination, in file order. Reference and path problems
// are reported once each, however many combinations share them.
std::vector<Stage> expand_stages(const ExpandContext& context, Diagnostics& diagnostics);

// Checks that need every stage at once: no two stages write the same path or paths inside one
// another, and no stage reads what it writes itself.
void check_outputs(const std::vector<Stage>& stages, Diagnostics& diagnostics);

}  // namespace mlops
