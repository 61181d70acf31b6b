// Loading a pipeline for a command: every check (spec/ and the graph's cycle check), with the
// diagnostics printed to stderr. Shared by check, run and graph so they agree on what is valid.
#pragma once

#include <filesystem>
#include <optional>

#include "dag/graph.hpp"
#include "spec/loader.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

struct CheckedPipeline {
  Pipeline pipeline;
  Graph graph;
};

// The pipeline and its graph, or nothing after printing every problem to stderr (or, with
// `problems`, after putting the rendered diagnostics there instead of printing them).
std::optional<CheckedPipeline> load_checked_pipeline(const std::filesystem::path& file,
                                                     const LoadOptions& options,
                                                     std::string* problems = nullptr);

}  // namespace mlops
