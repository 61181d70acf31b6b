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

// The pipeline file a run recorded (`file`, workspace-relative, read back from the store) as a path
// to read, when it is a plain relative path inside the workspace (no link leading out) naming a
// regular file; nothing otherwise. A tampered store row must not make a report read /etc/...
std::optional<std::filesystem::path> recorded_pipeline_file(const std::filesystem::path& root,
                                                            const std::string& file);

// Every diagnostic rendered (FILE:LINE:COL, the line, a caret), then "mlops: N errors in FILE".
std::string diagnostics_text(const LoadedPipeline& loaded);

}  // namespace mlops
