#include "cli/app.hpp"

#include <signal.h>

#include <exception>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "cli/exit_codes.hpp"
#include "cli/terminal_style.hpp"
#include "util/file_io.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

constexpr const char* k_footer =
    "Exit codes: 0 success, 1 a stage failed, 2 invalid pipeline or usage,\n"
    "129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM. See the README.";

void add_pipeline_argument(CLI::App* command, std::filesystem::path& target) {
  command->add_option("pipeline", target, "The pipeline file (YAML)")->required();
}

void add_query_options(CLI::App* command, QueryOptions& query) {
  command->add_flag("--json", query.json, "Print JSON (shapes in docs/cli.md)");
  command->add_option("--store", query.store,
                      "The metadata store (default: $MLOPS_STORE, else .mlops/store.db in the "
                      "workspace of the current directory)");
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

// The command-line definition as plain data, for completion scripts and the docs test.
CommandModel model_of(const CLI::App& app) {
  CommandModel model;
  model.name = app.get_name() == "mlops" ? "" : app.get_name();
  model.description = app.get_description();
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) {
      continue;  // hidden
    }
    bool takes_value = option->get_type_size() > 0 && !option->get_lnames().empty() &&
                       option->get_expected_min() > 0;
    for (const auto& name : option->get_lnames()) {
      model.options.push_back("--" + name);
      if (takes_value) {
        model.value_options.push_back("--" + name);
      }
    }
    for (const auto& name : option->get_snames()) {
      model.options.push_back("-" + name);
      if (takes_value) {
        model.value_options.push_back("-" + name);
      }
    }
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!sub->get_group().empty()) {
      model.subcommands.push_back(model_of(*sub));
    }
  }
  return model;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // Writing to a closed pipe (mlops run | head) must not kill mlops while stages run.
  ::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"mlops runs ML pipelines: a DAG of stages as parallel subprocesses.", "mlops"};
  app.set_version_flag("--version", std::string("mlops ") + MLOPS_VERSION);
  app.require_subcommand(1);
  app.footer(k_footer);
  // Options every command understands, before or after the subcommand's name.
  app.fallthrough();
  std::string color = "auto";
  bool quiet = false;
  bool verbose = false;
  app.add_option("--color", color,
                 "Colours: auto (on a terminal, unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.add_flag("--no-progress", terminal_style().no_progress,
               "No live status line, even on a terminal (plain lines, as in logs)");
  auto* quiet_flag = app.add_flag("-q,--quiet", quiet,
                                  "Print less: failures and the final result (errors always)");
  app.add_flag("-v,--verbose", verbose, "Print more: each stage's command as it starts")
      ->excludes(quiet_flag);

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
  run_app->add_flag("--force", run.force, "Run every selected stage, even those up to date");
  run_app
      ->add_option("--force-stage", run.force_stages,
                   "Run this stage even if it is up to date (a matrix stage's name: all of it); "
                   "repeatable")
      ->allow_extra_args(false);
  run_app->add_option("--junit", run.junit,
                      "Write a JUnit XML report (one test case per stage) for Jenkins or "
                      "GitHub test reporters");
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

  StatusCommand status;
  CLI::App* status_app = app.add_subcommand(
      "status", "Say which stages a run would run, and why; exit 1 when any would");
  add_pipeline_argument(status_app, status.pipeline);
  add_param_options(status_app, status.params);
  add_query_options(status_app, status.query);
  status_app->footer(
      "Exit codes: 0 everything is up to date, 1 something would run or be "
      "restored, 2 invalid pipeline or store.");

  CheckoutCommand checkout;
  CLI::App* checkout_app = app.add_subcommand(
      "checkout", "Restore the outputs of a past run (or as of a time) into the workspace");
  checkout_app->add_option("args", checkout.args,
                           "RUN [PATH...]: a run (id, prefix, latest, latest~N) and, optionally, "
                           "the paths to restore; with --as-of, only paths");
  checkout_app->add_option("--as-of", checkout.as_of,
                           "The versions current at this time: 2026-11-24 or 2026-11-24T17:30:00Z");
  checkout_app->add_flag("--force", checkout.force,
                         "Overwrite files whose content no run recorded");
  add_query_options(checkout_app, checkout.query);

  GcCommand gc;
  CLI::App* gc_app = app.add_subcommand(
      "gc", "Remove cached outputs and logs that no kept run and not the workspace need");
  gc_app->add_option("--keep-last", gc.keep_last, "Keep the newest N runs of each pipeline")
      ->check(CLI::NonNegativeNumber);
  gc_app->add_option("--keep-days", gc.keep_days, "Keep the runs of the last D days")
      ->check(CLI::NonNegativeNumber);
  gc_app->add_flag("--dry-run", gc.dry_run, "Say what would be removed; remove nothing");
  add_query_options(gc_app, gc.query);

  DiffCommand diff;
  CLI::App* diff_app =
      app.add_subcommand("diff", "What differs between two runs: outputs, params, metrics, commit");
  diff_app->add_option("first", diff.first, "A run (id, prefix, latest, latest~N)")->required();
  diff_app->add_option("second", diff.second, "Another run")->required();
  add_query_options(diff_app, diff.query);

  RunsCommand runs;
  CLI::App* runs_app = app.add_subcommand("runs", "List recorded runs, newest first");
  runs_app->add_option("--pipeline", runs.pipeline, "Only runs of this pipeline");
  runs_app->add_option("--status", runs.status, "Only runs with this status")
      ->check(CLI::IsMember({"running", "succeeded", "failed", "cancelled", "interrupted"}));
  runs_app->add_option("-n,--limit", runs.limit, "At most this many runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_query_options(runs_app, runs.query);

  ShowCommand show;
  CLI::App* show_app = app.add_subcommand(
      "show", "Show one run: stages, artifacts read and written, metrics, commit, params");
  show_app->add_option("run", show.run, "A run id, a unique prefix, latest or latest~N")
      ->required();
  add_query_options(show_app, show.query);

  LogsCommand logs;
  CLI::App* logs_app = app.add_subcommand("logs", "Print the logs of a run's stages");
  logs_app->add_option("run", logs.run, "A run id, a unique prefix, latest or latest~N")
      ->required();
  logs_app->add_option("stage", logs.stage, "Only this stage (a matrix stage's name: all of it)");
  logs_app->add_flag("-f,--follow", logs.follow, "Keep printing while the run goes on");
  add_query_options(logs_app, logs.query);

  ArtifactsCommand artifacts;
  CLI::App* artifacts_app = app.add_subcommand(
      "artifacts", "List the current version of every recorded path (below PATH)");
  artifacts_app->add_option("path", artifacts.path, "A file or directory (workspace-relative)");
  artifacts_app->add_flag("--history", artifacts.history, "Every version of PATH, newest first");
  add_query_options(artifacts_app, artifacts.query);

  LineageCommand lineage;
  CLI::App* lineage_app = app.add_subcommand(
      "lineage", "Walk what an artifact came from, or what was made from it, across runs");
  lineage_app->add_option("artifact", lineage.target, "A path (its latest version) or an id")
      ->required();
  auto* upstream =
      lineage_app->add_flag("--upstream", lineage.upstream, "What it came from (the default)");
  lineage_app->add_flag("--downstream", lineage.downstream, "What was made from it")
      ->excludes(upstream);
  lineage_app->add_option("--depth", lineage.depth, "How many artifact hops to follow")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  lineage_app->add_option("--format", lineage.format, "text, dot or json")
      ->check(CLI::IsMember({"text", "dot", "json"}))
      ->capture_default_str();
  add_query_options(lineage_app, lineage.query);

  MetricsCommand metrics;
  CLI::App* metrics_app = app.add_subcommand(
      "metrics", "Compare runs' metrics (deltas against the first), or `metrics history`");
  metrics_app->add_option("runs", metrics.runs, "Runs: ids, prefixes, latest, latest~N");
  add_query_options(metrics_app, metrics.query);
  MetricsHistoryCommand history;
  CLI::App* history_app =
      metrics_app->add_subcommand("history", "One metric over a pipeline's succeeded runs");
  history_app->add_option("key", history.key, "The metric, such as logreg.accuracy")->required();
  history_app->add_option("--pipeline", history.pipeline, "The pipeline")->required();
  add_query_options(history_app, history.query);

  ExportCommand export_run;
  CLI::App* export_app = app.add_subcommand("export", "Export a run for other tools");
  CLI::App* openlineage_app = export_app->add_subcommand(
      "openlineage", "OpenLineage RunEvents (JSON lines) for a run and its stages");
  openlineage_app
      ->add_option("run", export_run.run, "A run id, a unique prefix, latest or latest~N")
      ->required();
  openlineage_app->add_option("--store", export_run.query.store, "The metadata store");
  export_app->require_subcommand(1);

  TriggerCheckCommand trigger_check;
  TriggerNextCommand trigger_next;
  CLI::App* trigger_app =
      app.add_subcommand("trigger", "Decide from a pipeline's triggers whether to run it");
  trigger_app->require_subcommand(1);
  CLI::App* trigger_check_app = trigger_app->add_subcommand(
      "check",
      "Evaluate triggers once and start the runs they call for (for cron and CI; see "
      "docs/triggers.md)");
  trigger_check_app->add_option(
      "pipelines", trigger_check.pipelines,
      "Pipeline files (default: pipeline.yaml and pipelines/*.yaml with a triggers: block)");
  trigger_check_app->add_flag("--dry-run", trigger_check.options.dry_run,
                              "Say what would fire; start and record nothing");
  trigger_check_app->add_flag("--json", trigger_check.options.json,
                              "Print JSON (shape in docs/cli.md); run output goes to stderr");
  trigger_check_app->add_flag("-q,--quiet", trigger_check.options.quiet,
                              "Print only what fired, the runs and errors (for crontabs)");
  trigger_check_app->add_option("--store", trigger_check.options.store,
                                "The metadata store (default: $MLOPS_STORE, else "
                                ".mlops/store.db in each pipeline's workspace)");
  trigger_check_app
      ->add_option("-j,--jobs", trigger_check.options.jobs,
                   "Stages to run at once in each run (default: the number of cores)")
      ->check(CLI::PositiveNumber);
  trigger_check_app->add_flag("--from-watch", trigger_check.from_watch)->group("");
  trigger_check_app->footer(
      "Exit codes: 0 nothing failed (whether or not anything ran), 1 a started run failed, 2 a "
      "pipeline or trigger could not be evaluated, 130/143 interrupted.");
  CLI::App* trigger_next_app = trigger_app->add_subcommand(
      "next", "Print the next times a pipeline's schedule triggers fire, in its time zone and UTC");
  add_pipeline_argument(trigger_next_app, trigger_next.pipeline);
  trigger_next_app->add_option("-n,--count", trigger_next.count, "How many times")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  trigger_next_app->add_flag("--json", trigger_next.json, "Print JSON");

  WatchCommand watch;
  std::string watch_interval = "5s";
  std::string on_stop = "cancel";
  CLI::App* watch_app = app.add_subcommand(
      "watch", "Run as a daemon: check triggers on data arrival, new commits and cron times");
  watch_app->add_option(
      "pipelines", watch.pipelines,
      "Pipeline files (default: pipeline.yaml and pipelines/*.yaml with a triggers: block)");
  watch_app
      ->add_option("--interval", watch_interval,
                   "How often to look at git refs and data paths (inotify wakes it sooner)")
      ->capture_default_str();
  watch_app
      ->add_option("--on-stop", on_stop,
                   "On SIGTERM/SIGINT: cancel running runs (recorded as cancelled) or let them "
                   "finish; a second signal cancels")
      ->check(CLI::IsMember({"cancel", "finish"}))
      ->capture_default_str();
  watch_app->add_option("--store", watch.store, "The metadata store");
  watch_app->add_option("-j,--jobs", watch.jobs, "Stages to run at once in each run")
      ->check(CLI::PositiveNumber);
  watch_app->add_flag("-q,--quiet", watch.quiet, "Log only what fired, the runs and errors");

  ReportCommand report;
  CLI::App* report_app = app.add_subcommand(
      "report", "Write one run as a self-contained HTML page: graph, timeline, artifacts, metrics");
  report_app->add_option("run", report.run, "A run id, a unique prefix, latest or latest~N")
      ->required();
  report_app->add_option("-o,--output", report.output,
                         "The HTML file (default: mlops-report-<run id>.html)");
  report_app->add_option("--store", report.query.store, "The metadata store");

  InitCommand init;
  CLI::App* init_app = app.add_subcommand(
      "init", "Start a workspace: .mlops/, a commented pipeline.yaml, .gitignore entries");
  init_app->add_option("directory", init.directory, "Where (default: the current directory)");

  CompletionCommand completion;
  CLI::App* completion_app = app.add_subcommand(
      "completion", "Print a shell completion script: eval \"$(mlops completion bash)\"");
  completion_app->add_option("shell", completion.shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));

  // Hidden helpers for the completion scripts and the tests.
  std::filesystem::path stages_file;
  CLI::App* stages_app = app.add_subcommand("__stages", "Stage names of a pipeline")->group("");
  stages_app->add_option("pipeline", stages_file)->required();
  CLI::App* commands_app =
      app.add_subcommand("__commands", "Every subcommand and option")->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? k_exit_success : k_exit_invalid;
  }

  terminal_style().color = color == "always"  ? ColorMode::Always
                           : color == "never" ? ColorMode::Never
                                              : ColorMode::Auto;
  terminal_style().verbosity = quiet ? -1 : verbose ? 1 : 0;
  trigger_check.options.quiet = trigger_check.options.quiet || quiet;
  watch.quiet = watch.quiet || quiet;

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
    if (*status_app) {
      return status_command(status);
    }
    if (*checkout_app) {
      return checkout_command(checkout);
    }
    if (*gc_app) {
      return gc_command(gc);
    }
    if (*diff_app) {
      return diff_command(diff);
    }
    if (*runs_app) {
      return runs_command(runs);
    }
    if (*show_app) {
      return show_command(show);
    }
    if (*logs_app) {
      return logs_command(logs);
    }
    if (*artifacts_app) {
      return artifacts_command(artifacts);
    }
    if (*lineage_app) {
      return lineage_command(lineage);
    }
    if (*history_app) {
      return metrics_history_command(history);
    }
    if (*metrics_app) {
      if (metrics.runs.empty()) {
        write_all(2, "mlops: error: name at least one run: mlops metrics latest~1 latest\n");
        return k_exit_invalid;
      }
      return metrics_command(metrics);
    }
    if (*report_app) {
      return report_command(report);
    }
    if (*init_app) {
      return init_command(init);
    }
    if (*completion_app) {
      write_all(1, completion_script(model_of(app), completion.shell));
      return k_exit_success;
    }
    if (*stages_app) {
      return stages_command(stages_file);
    }
    if (*commands_app) {
      write_all(1, join(command_paths(model_of(app)), "\n") + "\n");
      return k_exit_success;
    }
    if (*trigger_check_app) {
      return trigger_check_command(trigger_check);
    }
    if (*trigger_next_app) {
      return trigger_next_command(trigger_next);
    }
    if (*watch_app) {
      auto interval = parse_duration(watch_interval);
      if (!interval || interval->count() < 100) {
        write_all(2, fmt::format("mlops: error: --interval '{}' is not a duration of at least "
                                 "100ms (write 500ms, 5s, 1m)\n",
                                 watch_interval));
        return k_exit_invalid;
      }
      watch.interval = *interval;
      watch.cancel_on_stop = on_stop == "cancel";
      return watch_command(watch);
    }
    if (*openlineage_app) {
      return export_command(export_run);
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
