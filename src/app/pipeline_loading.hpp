// Loading a pipeline for a service: every check (spec/ and the graph's cycle check). Shared by
// check, run, plan, graph, triggers and the watcher so that they agree on what is valid. Nothing
// is printed: the diagnostics come back for the front end to render.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dag/graph.hpp"
#include "spec/diagnostic.hpp"
#include "spec/loader.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

struct CheckedPipeline {
  Pipeline pipeline;
  Graph graph;
};

struct LoadedPipeline {
  std::filesystem::path file;
  std::optional<CheckedPipeline> checked;  // empty when there were errors
  std::vector<Diagnostic> diagnostics;     // sorted; empty when the file is valid
};

LoadedPipeline load_checked_pipeline(const std::filesystem::path& file, const LoadOptions& options);

// Every diagnostic rendered (FILE:LINE:COL, the line, a caret), then "mlops: N errors in FILE".
std::string diagnostics_text(const LoadedPipeline& loaded);

}  // namespace mlops
