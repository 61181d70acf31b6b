// mlops run PIPELINE: the command line's request to app/run_service.
#include "cli/commands.hpp"
#include "cli/run_observer.hpp"

namespace mlops {

int run_command(const RunCommand& command) {
  RunRequest request;
  request.pipeline = command.pipeline;
  request.params = command.params.params;
  request.params_file = command.params.params_file;
  request.set_params = command.params.set_params;
  request.save_params = command.save_params;
  request.stages = command.stages;
  request.from = command.from;
  request.force = command.force;
  request.force_stages = command.force_stages;
  request.gitignore = !command.no_gitignore;
  request.hooks = !command.no_hooks;
  request.write_lock = command.lock;
  request.pull = command.pull;
  request.remote = command.remote;
  request.keep_going = command.keep_going;
  request.jobs = command.jobs;
  request.dry_run = command.dry_run;
  request.record = !command.no_record;
  request.store = command.store;
  request.junit = command.junit;
  request.labels = {command.name, command.tags, command.note};
  return run_and_report(std::move(request));
}

}  // namespace mlops
