// libFuzzer target: a pipeline file through every check `mlops check` makes. The text is loaded
// (YAML, the model, interpolation, matrix expansion, path and output checks), then the stages
// that parsed go through the graph: the cycle check and its description, the order and the chain
// lengths the scheduler uses. Diagnostics are rendered as check prints them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dag/graph.hpp"
#include "spec/diagnostic.hpp"
#include "spec/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlops;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadResult loaded = load_pipeline_text(text, "pipeline.yaml", "/nonexistent-ws", LoadOptions{});
  for (const auto& diagnostic : loaded.diagnostics) {
    (void)render_diagnostic(diagnostic);
  }
  const Pipeline* pipeline = loaded.pipeline  ? &*loaded.pipeline
                             : loaded.partial ? &*loaded.partial
                                              : nullptr;
  if (pipeline == nullptr) {
    return 0;
  }
  Graph graph = Graph::build(*pipeline);
  if (auto cycle = graph.find_cycle()) {
    (void)describe_cycle(*pipeline, graph, *cycle);
  } else {
    (void)graph.topological_order();
    (void)graph.chain_lengths();
  }
  return 0;
}
