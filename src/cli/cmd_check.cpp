#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "util/file_io.hpp"

namespace mlops {

int check_command(const CheckCommand& command) {
  int exit_code = k_exit_success;
  for (const auto& file : command.pipelines) {
    auto checked = load_or_print(file, LoadOptions{});
    if (!checked) {
      exit_code = k_exit_invalid;
      continue;
    }
    size_t stages = checked->pipeline.stages.size();
    write_all(1, fmt::format("{}: ok, pipeline '{}' with {} stage{}\n", file.string(),
                             checked->pipeline.name, stages, stages == 1 ? "" : "s"));
  }
  return exit_code;
}

}  // namespace mlops
