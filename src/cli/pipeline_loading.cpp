#include "cli/pipeline_loading.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "report/github_actions.hpp"
#include "spec/diagnostic.hpp"
#include "util/file_io.hpp"

namespace mlops {

std::optional<CheckedPipeline> load_checked_pipeline(const std::filesystem::path& file,
                                                     const LoadOptions& options,
                                                     std::string* problems) {
  LoadResult loaded = load_pipeline(file, options);
  std::vector<Diagnostic> diagnostics = std::move(loaded.diagnostics);
  std::optional<CheckedPipeline> checked;
  if (loaded.pipeline) {
    Graph graph = Graph::build(*loaded.pipeline);
    if (auto cycle = graph.find_cycle()) {
      Diagnostics graph_diagnostics(file.string(), loaded.pipeline->source_text);
      const Stage& first = loaded.pipeline->stages[cycle->front()];
      graph_diagnostics.error(first.mark, *describe_cycle(*loaded.pipeline, graph, *cycle));
      diagnostics = graph_diagnostics.sorted();
    } else {
      checked = CheckedPipeline{std::move(*loaded.pipeline), std::move(graph)};
    }
  }
  if (!diagnostics.empty()) {
    std::string text;
    for (const auto& diagnostic : diagnostics) {
      text += render_diagnostic(diagnostic);
    }
    bool all_in_file = std::all_of(diagnostics.begin(), diagnostics.end(),
                                   [&](const Diagnostic& d) { return d.file == file.string(); });
    text +=
        fmt::format("mlops: {} error{}{}\n", diagnostics.size(), diagnostics.size() == 1 ? "" : "s",
                    all_in_file ? " in " + file.string() : "");
    if (problems) {
      *problems = std::move(text);
      return checked;
    }
    write_all(2, text);
    if (github_actions_enabled()) {
      std::string annotations;
      for (const auto& diagnostic : diagnostics) {
        annotations += github_error("mlops check", diagnostic.message, diagnostic);
      }
      write_all(1, annotations);
    }
  }
  return checked;
}

}  // namespace mlops
