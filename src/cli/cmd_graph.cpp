#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/graph_format.hpp"
#include "cli/pipeline_loading.hpp"
#include "util/file_io.hpp"

namespace mlops {

int graph_command(const GraphCommand& command) {
  LoadOptions load{command.params.params, command.params.params_file, "RUN_ID",
                   command.params.set_params};
  auto checked = load_or_print(command.pipeline, load);
  if (!checked) {
    return k_exit_invalid;
  }
  std::string text;
  if (command.format == "mermaid") {
    text = graph_to_mermaid(checked->pipeline, checked->graph);
  } else if (command.format == "json") {
    text = graph_to_json(checked->pipeline, checked->graph);
  } else {
    text = graph_to_dot(checked->pipeline, checked->graph);
  }
  write_all(1, text);
  return k_exit_success;
}

}  // namespace mlops

namespace mlops {

int stages_command(const std::filesystem::path& pipeline) {
  LoadResult loaded = load_pipeline(pipeline, LoadOptions{});
  if (!loaded.pipeline) {
    return k_exit_invalid;
  }
  std::string text;
  for (const auto& stage : loaded.pipeline->stages) {
    text += stage.name + "\n";
    if (stage.name != stage.base_name &&
        text.find("\n" + stage.base_name + "\n") == std::string::npos) {
      text += stage.base_name + "\n";
    }
  }
  write_all(1, text);
  return k_exit_success;
}

}  // namespace mlops
