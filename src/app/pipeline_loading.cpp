#include "app/pipeline_loading.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "util/paths.hpp"

namespace mlops {

LoadedPipeline load_checked_pipeline(const std::filesystem::path& file,
                                     const LoadOptions& options) {
  LoadedPipeline result;
  result.file = file;
  LoadResult loaded = load_pipeline(file, options);
  result.diagnostics = std::move(loaded.diagnostics);
  // The graph is checked whenever the stages parsed, so a cycle is reported together with the
  // other errors instead of only after they are fixed.
  Pipeline* pipeline = loaded.pipeline  ? &*loaded.pipeline
                       : loaded.partial ? &*loaded.partial
                                        : nullptr;
  if (pipeline == nullptr) {
    return result;
  }
  Graph graph = Graph::build(*pipeline);
  if (auto cycle = graph.find_cycle()) {
    const Stage& first = pipeline->stages[cycle->front()];
    Diagnostics graph_diagnostics(file.string(), pipeline->source_text);
    graph_diagnostics.error(first.mark, *describe_cycle(*pipeline, graph, *cycle));
    auto cycle_diagnostics = graph_diagnostics.sorted();
    result.diagnostics.insert(result.diagnostics.end(), cycle_diagnostics.begin(),
                              cycle_diagnostics.end());
    // Ordered by position within the pipeline file; other files (a params file, the command
    // line) keep their place after it.
    auto key = [&](const Diagnostic& d) {
      bool here = d.file == result.file.string();
      return std::make_tuple(!here, here ? d.mark.line : 0, here ? d.mark.column : 0);
    };
    std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                     [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  }
  if (result.diagnostics.empty()) {
    result.checked = CheckedPipeline{std::move(*pipeline), std::move(graph)};
  }
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

std::optional<std::filesystem::path> recorded_pipeline_file(const std::filesystem::path& root,
                                                            const std::string& file) {
  if (!is_plain_relative_path(file))
    return std::nullopt;
  auto path = checked_write_path(root, file, ErrorKind::Usage);
  std::error_code error;
  if (!path.ok() || !std::filesystem::is_regular_file(*path, error))
    return std::nullopt;
  return *path;
}

}  // namespace mlops
