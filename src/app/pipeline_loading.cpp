#include "app/pipeline_loading.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mlops {

LoadedPipeline load_checked_pipeline(const std::filesystem::path& file,
                                     const LoadOptions& options) {
  LoadedPipeline result;
  result.file = file;
  LoadResult loaded = load_pipeline(file, options);
  result.diagnostics = std::move(loaded.diagnostics);
  if (!loaded.pipeline) {
    return result;
  }
  Graph graph = Graph::build(*loaded.pipeline);
  if (auto cycle = graph.find_cycle()) {
    Diagnostics graph_diagnostics(file.string(), loaded.pipeline->source_text);
    const Stage& first = loaded.pipeline->stages[cycle->front()];
    graph_diagnostics.error(first.mark, *describe_cycle(*loaded.pipeline, graph, *cycle));
    result.diagnostics = graph_diagnostics.sorted();
    return result;
  }
  result.checked = CheckedPipeline{std::move(*loaded.pipeline), std::move(graph)};
  return result;
}

std::string diagnostics_text(const LoadedPipeline& loaded) {
  const auto& diagnostics = loaded.diagnostics;
  std::string text;
  for (const auto& diagnostic : diagnostics) {
    text += render_diagnostic(diagnostic);
  }
  std::string file = loaded.file.string();
  bool all_in_file = std::all_of(diagnostics.begin(), diagnostics.end(),
                                 [&](const Diagnostic& d) { return d.file == file; });
  text += fmt::format("mlops: {} error{}{}\n", diagnostics.size(),
                      diagnostics.size() == 1 ? "" : "s", all_in_file ? " in " + file : "");
  return text;
}

}  // namespace mlops
