#include <unistd.h>

#include <thread>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "dag/selection.hpp"
#include "engine/executor.hpp"
#include "engine/run_id.hpp"
#include "engine/terminal_reporter.hpp"
#include "exec/fake_runner.hpp"
#include "exec/process_runner.hpp"
#include "util/file_io.hpp"

extern char** environ;

namespace mlops {
namespace {

std::vector<std::pair<std::string, std::string>> current_environment() {
  std::vector<std::pair<std::string, std::string>> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals != std::string_view::npos && equals > 0) {
      env.emplace_back(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
  }
  return env;
}

}  // namespace

int run_command(const RunCommand& command) {
  std::string run_id = new_run_id();
  LoadOptions load{command.params.params, command.params.params_file, run_id};
  auto checked = load_checked_pipeline(command.pipeline, load);
  if (!checked) {
    write_all(2, "mlops: nothing was run; fix the errors above and try again\n");
    return k_exit_invalid;
  }
  const Pipeline& pipeline = checked->pipeline;
  auto selected = select_stages(pipeline, checked->graph, {command.stages, command.from});
  if (!selected.ok()) {
    write_all(2, fmt::format("mlops: error: {}\n", selected.error().message()));
    return k_exit_invalid;
  }

  RunOptions options;
  options.run_id = run_id;
  options.jobs =
      command.jobs > 0 ? command.jobs : std::max<size_t>(1, std::thread::hardware_concurrency());
  options.keep_going = command.keep_going;
  options.log_dir = pipeline.workspace / ".mlops" / "logs" / run_id;
  options.base_env = current_environment();

  TerminalReporter reporter({1, 2, command.dry_run, pipeline.workspace});
  SystemClock clock;
  if (command.dry_run) {
    options.check_outputs = false;
    DryRunRunner runner;
    Executor(pipeline, checked->graph, std::move(*selected), runner, reporter, clock, options)
        .run();
    return k_exit_success;
  }

  std::error_code error;
  std::filesystem::create_directories(options.log_dir, error);
  if (error) {
    write_all(2,
              fmt::format("mlops: error: cannot create the log directory {}: {}; check that the "
                          "workspace {} is writable\n",
                          options.log_dir.string(), error.message(), pipeline.workspace.string()));
    return k_exit_invalid;
  }
  ProcessRunner runner(reporter, ProcessRunnerOptions{});
  RunReport report =
      Executor(pipeline, checked->graph, std::move(*selected), runner, reporter, clock, options)
          .run();
  return report.exit_code();
}

}  // namespace mlops
