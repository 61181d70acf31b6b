#include "cli/app.hpp"

#include <signal.h>

#include <exception>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

constexpr const char* k_footer =
    "Exit codes: 0 success, 1 a stage failed, 2 invalid pipeline or usage,\n"
    "129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM. See the README.";

void add_pipeline_argument(CLI::App* command, std::filesystem::path& target) {
  command->add_option("pipeline", target, "The pipeline file (YAML)")->required();
}

void add_param_options(CLI::App* command, ParamOptions& params) {
  command
      ->add_option("-p,--param", params.params,
                   "Override a parameter: KEY=VALUE (KEY as declared under 'params', nested "
                   "keys with dots: train.lr=0.05); repeatable")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  command->add_option("--params-file", params.params_file,
                      "A YAML or JSON file of parameter overrides (applied before -p)");
}

}  // namespace

int run_cli(int argc, char** argv) {
  // Writing to a closed pipe (mlops run | head) must not kill mlops while stages run.
  ::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"mlops runs ML pipelines: a DAG of stages as parallel subprocesses.", "mlops"};
  app.set_version_flag("--version", std::string("mlops ") + MLOPS_VERSION);
  app.require_subcommand(1);
  app.footer(k_footer);

  CheckCommand check;
  CLI::App* check_app =
      app.add_subcommand("check", "Check pipeline files and report every error as FILE:LINE:COL");
  check_app->add_option("pipelines", check.pipelines, "Pipeline files (YAML)")->required();
  check_app->footer("Exit codes: 0 all valid, 2 a file has errors.");

  RunCommand run;
  CLI::App* run_app = app.add_subcommand("run", "Check a pipeline and run its stages");
  add_pipeline_argument(run_app, run.pipeline);
  run_app->add_option("-j,--jobs", run.jobs, "Stages to run at once (default: the number of cores)")
      ->check(CLI::PositiveNumber);
  run_app
      ->add_option("--stage", run.stages,
                   "Run only this stage and the stages it needs; repeatable. A matrix stage's "
                   "name selects all its combinations")
      ->allow_extra_args(false);
  run_app
      ->add_option("--from", run.from, "Run this stage and everything downstream of it; repeatable")
      ->allow_extra_args(false);
  run_app->add_flag("--dry-run", run.dry_run, "Print the plan (order and commands); run nothing");
  run_app->add_flag("-k,--keep-going", run.keep_going,
                    "After a failure, still run every stage that does not depend on it");
  add_param_options(run_app, run.params);
  run_app->add_option("--store", run.store,
                      "The metadata store (default: $MLOPS_STORE, else .mlops/store.db in the "
                      "workspace)");
  run_app->add_flag("--no-record", run.no_record,
                    "Record nothing in the metadata store (for measuring; loses provenance)");
  run_app->footer(k_footer);

  GraphCommand graph;
  CLI::App* graph_app =
      app.add_subcommand("graph", "Print the stage graph (after matrix expansion)");
  add_pipeline_argument(graph_app, graph.pipeline);
  graph_app->add_option("-f,--format", graph.format, "dot (Graphviz), mermaid or json")
      ->check(CLI::IsMember({"dot", "mermaid", "json"}))
      ->capture_default_str();
  add_param_options(graph_app, graph.params);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? k_exit_success : k_exit_invalid;
  }

  try {
    if (*check_app) {
      return check_command(check);
    }
    if (*run_app) {
      return run_command(run);
    }
    if (*graph_app) {
      return graph_command(graph);
    }
  } catch (const std::exception& error) {
    write_all(2, fmt::format("mlops: internal error: {}\nPlease report this with the command "
                             "that caused it.\n",
                             error.what()));
    return k_exit_invalid;
  }
  return k_exit_invalid;
}

}  // namespace mlops
