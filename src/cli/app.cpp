#include "cli/app.hpp"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/build_info.hpp"
#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "cli/exit_codes.hpp"
#include "cli/man_page.hpp"
#include "cli/terminal_style.hpp"
#include "util/file_io.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

constexpr const char* k_footer =
    "Exit codes: 0 success, 1 a stage failed, 2 invalid pipeline or usage,\n"
    "129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM. See the README.";

// A whole number of at least `minimum`. CLI11's PositiveNumber says "not in range 0.000000 to
// 1797...(300 digits)"; this names the option and the bound. The message starts with the option's
// names, which report_parse_error recognises so that CLI11's "--jobs: " prefix is not repeated.
CLI::Validator at_least(const std::string& names, long long minimum) {
  return CLI::Validator(
      [names, minimum](std::string& text) -> std::string {
        long long value = 0;
        if (!CLI::detail::lexical_cast(text, value)) {
          return fmt::format("{} takes a whole number, not '{}'", names, text);
        }
        return value >= minimum ? "" : fmt::format("{} must be at least {}", names, minimum);
      },
      fmt::format("INT>={}", minimum));
}

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
  command
      ->add_option("-S,--set-param", params.set_params,
                   "Set a parameter, such as a key of the pipeline's params file: KEY=VALUE "
                   "(train.lr=0.05; applied after -p; with run --save-params also written to "
                   "the file); repeatable")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
}

// An option's names, value and help text, for the man page.
OptionHelp option_help(const CLI::Option& option) {
  OptionHelp help;
  help.positional = option.get_lnames().empty() && option.get_snames().empty();
  std::vector<std::string> names;
  for (const auto& name : option.get_snames()) {
    names.push_back("-" + name);
  }
  for (const auto& name : option.get_lnames()) {
    names.push_back("--" + name);
  }
  help.names = help.positional ? option.get_single_name() : join(names, ", ");
  if (option.get_type_size() > 0 && option.get_expected_min() > 0) {
    help.value = option.get_type_name();
  }
  help.description = option.get_description();
  help.required = option.get_required();
  help.repeatable = option.get_expected_max() > 1 || option.get_items_expected_max() > 1 ||
                    option.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
  return help;
}

// The command-line definition as plain data, for completion scripts, the man page and the docs
// test.
CommandModel model_of(const CLI::App& app) {
  CommandModel model;
  model.name = app.get_name() == "mlops" ? "" : app.get_name();
  model.description = app.get_description();
  model.footer = app.get_footer();
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) {
      continue;  // hidden
    }
    bool takes_value = option->get_type_size() > 0 && !option->get_lnames().empty() &&
                       option->get_expected_min() > 0;
    model.help.push_back(option_help(*option));
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

// One subcommand of the command line: its CLI11 definition, and what to do when the command line
// names it. `run` owns the options CLI11 fills in, so each add_*_command below is self-contained.
struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
};

// The options every command understands, before or after the subcommand's name.
struct GlobalOptions {
  std::string color = "auto";
  std::optional<std::string> store;  // --store before the command: as $MLOPS_STORE
  bool quiet = false;
  bool verbose = false;
};

void add_global_options(CLI::App& app, GlobalOptions& global) {
  app.fallthrough();
  app.add_option("--color", global.color,
                 "Colours: auto (on a terminal, unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.add_option("--store", global.store,
                 "The metadata store for every command: a SQLite path, postgresql://... or a "
                 "libpq conninfo (as $MLOPS_STORE; a command's own --store wins)");
  app.add_flag("--no-progress", terminal_style().no_progress,
               "No live status line, even on a terminal (plain lines, as in logs)");
  auto* quiet_flag = app.add_flag("-q,--quiet", global.quiet,
                                  "Print less: failures and the final result (errors always)");
  app.add_flag("-v,--verbose", global.verbose, "Print more: each stage's command as it starts")
      ->excludes(quiet_flag);
}

void apply_global_options(const GlobalOptions& global) {
  if (global.store) {
    // The whole process and the stages it runs see it, as if MLOPS_STORE had been set.
    ::setenv("MLOPS_STORE", global.store->c_str(), 1);
  }
  terminal_style().color = global.color == "always"  ? ColorMode::Always
                           : global.color == "never" ? ColorMode::Never
                                                     : ColorMode::Auto;
  terminal_style().verbosity = global.quiet ? -1 : global.verbose ? 1 : 0;
}

Subcommand add_check_command(CLI::App& app) {
  auto check = std::make_shared<CheckCommand>();
  CLI::App* command =
      app.add_subcommand("check", "Check pipeline files and report every error as FILE:LINE:COL");
  command->add_option("pipelines", check->pipelines, "Pipeline files (YAML)")->required();
  command->footer("Exit codes: 0 all valid, 2 a file has errors.");
  return {command, [check] { return check_command(*check); }};
}

Subcommand add_run_command(CLI::App& app) {
  auto run = std::make_shared<RunCommand>();
  CLI::App* command = app.add_subcommand("run", "Check a pipeline and run its stages");
  add_pipeline_argument(command, run->pipeline);
  command
      ->add_option("-j,--jobs", run->jobs, "Stages to run at once (default: the number of cores)")
      ->check(at_least("-j/--jobs", 1));
  command
      ->add_option("--stage", run->stages,
                   "Run only this stage and the stages it needs; repeatable. A matrix stage's "
                   "name selects all its combinations")
      ->allow_extra_args(false);
  command
      ->add_option("--from", run->from,
                   "Run this stage and everything downstream of it; repeatable")
      ->allow_extra_args(false);
  command->add_flag("--dry-run", run->dry_run, "Print the plan (order and commands); run nothing");
  command->add_flag("-k,--keep-going", run->keep_going,
                    "After a failure, still run every stage that does not depend on it");
  add_param_options(command, run->params);
  command->add_flag("--save-params", run->save_params,
                    "Write the -S values into the params files they come from (only those "
                    "values' text changes) before the run starts");
  command->add_option("--store", run->store,
                      "The metadata store (default: $MLOPS_STORE, else .mlops/store.db in the "
                      "workspace)");
  command->add_flag("--force", run->force, "Run every selected stage, even those up to date");
  command
      ->add_option("--force-stage", run->force_stages,
                   "Run this stage even if it is up to date (a matrix stage's name: all of it); "
                   "repeatable")
      ->allow_extra_args(false);
  command->add_option("--junit", run->junit,
                      "Write a JUnit XML report (one test case per stage) for Jenkins or "
                      "GitHub test reporters");
  command->add_flag("--no-record", run->no_record,
                    "Record nothing in the metadata store (for measuring; loses provenance)");
  command->add_flag("--no-gitignore", run->no_gitignore,
                    "On the first run of the pipeline, do not add its outputs to .gitignore");
  command->add_flag("--no-hooks", run->no_hooks,
                    "Do not run the pipeline's on_failure/on_rejected/on_success hook after "
                    "the run");
  command->add_flag("--lock", run->lock,
                    "After the run, write the lock file (PIPELINE.lock) as `mlops lock` does");
  command->add_flag("--pull", run->pull,
                    "Take a stage's outputs from the remote instead of running it when its "
                    "fingerprint was recorded (in the store or the remote's run-cache index) "
                    "and this machine lacks them (docs/remotes.md)");
  command->add_option("--remote", run->remote,
                      "The remote for --pull (default: $MLOPS_REMOTE, .mlops/config, the "
                      "pipeline's remote:)");
  command->add_option("--name", run->name,
                      "Name the run (letters, digits, . _ -; starts with a letter): commands "
                      "that take a run accept the name");
  command->add_option("--tag", run->tags, "Tag the run: KEY=VALUE; repeatable")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  command->add_option("--note", run->note, "A note about the run, shown by `mlops show`");
  command->footer(k_footer);
  return {command, [run] { return run_command(*run); }};
}

Subcommand add_graph_command(CLI::App& app) {
  auto graph = std::make_shared<GraphCommand>();
  CLI::App* command = app.add_subcommand("graph", "Print the stage graph (after matrix expansion)");
  add_pipeline_argument(command, graph->pipeline);
  command->add_option("-f,--format", graph->format, "dot (Graphviz), mermaid or json")
      ->check(CLI::IsMember({"dot", "mermaid", "json"}))
      ->capture_default_str();
  add_param_options(command, graph->params);
  return {command, [graph] { return graph_command(*graph); }};
}

Subcommand add_status_command(CLI::App& app) {
  auto status = std::make_shared<StatusCommand>();
  CLI::App* command = app.add_subcommand(
      "status", "Say which stages a run would run, and why; exit 1 when any would");
  add_pipeline_argument(command, status->pipeline);
  add_param_options(command, status->params);
  add_query_options(command, status->query);
  command->footer(
      "Exit codes: 0 everything is up to date, 1 something would run or be "
      "restored, 2 invalid pipeline or store.");
  return {command, [status] { return status_command(*status); }};
}

Subcommand add_lock_command(CLI::App& app) {
  auto lock = std::make_shared<LockCommand>();
  CLI::App* command = app.add_subcommand(
      "lock", "Write PIPELINE.lock: each stage's fingerprint and its outputs' digests, to commit");
  command->add_option("pipeline", lock->pipeline,
                      "The pipeline file (YAML; default pipeline.yaml)");
  add_query_options(command, lock->query);
  return {command, [lock] { return lock_command(*lock); }};
}

Subcommand add_checkout_command(CLI::App& app) {
  auto checkout = std::make_shared<CheckoutCommand>();
  CLI::App* command = app.add_subcommand(
      "checkout", "Restore the outputs of a past run (or as of a time) into the workspace");
  command->add_option("args", checkout->args,
                      "RUN [PATH...]: a run (id, prefix, latest, latest~N) and, optionally, "
                      "the paths to restore; with --as-of, only paths");
  command->add_option("--as-of", checkout->as_of,
                      "The versions current at this time: 2026-11-24 or 2026-11-24T17:30:00Z");
  command->add_flag("--force", checkout->force, "Overwrite files whose content no run recorded");
  add_query_options(command, checkout->query);
  return {command, [checkout] { return checkout_command(*checkout); }};
}

Subcommand add_gc_command(CLI::App& app) {
  auto gc = std::make_shared<GcCommand>();
  CLI::App* command = app.add_subcommand(
      "gc", "Remove cached outputs and logs that no kept run and not the workspace need");
  command
      ->add_option("--keep-last", gc->keep_last,
                   "Keep the newest N succeeded runs of each pipeline that ran a stage")
      ->check(at_least("--keep-last", 0));
  command->add_option("--keep-days", gc->keep_days, "Keep the runs of the last D days")
      ->check(at_least("--keep-days", 0));
  command->add_flag("--dry-run", gc->dry_run, "Say what would be removed; remove nothing");
  add_query_options(command, gc->query);
  return {command, [gc] { return gc_command(*gc); }};
}

Subcommand add_cache_verify_command(CLI::App& app) {
  auto verify = std::make_shared<CacheVerifyCommand>();
  CLI::App* cache = app.add_subcommand("cache", "Look after the object cache: `cache verify`");
  cache->require_subcommand(1);
  CLI::App* command = cache->add_subcommand(
      "verify", "Check every cached object against its digest; quarantine the bad ones");
  add_query_options(command, verify->query);
  command->footer("Exit codes: 0 every object is good, 1 some were bad (quarantined), 2 error.");
  return {command, [verify] { return cache_verify_command(*verify); }};
}

Subcommand add_diff_command(CLI::App& app) {
  auto diff = std::make_shared<DiffCommand>();
  CLI::App* command =
      app.add_subcommand("diff", "What differs between two runs: outputs, params, metrics, commit");
  command->add_option("first", diff->first, "A run (id, prefix, latest, latest~N)")->required();
  command->add_option("second", diff->second, "Another run")->required();
  add_query_options(command, diff->query);
  return {command, [diff] { return diff_command(*diff); }};
}

Subcommand add_runs_command(CLI::App& app) {
  auto runs = std::make_shared<RunsCommand>();
  CLI::App* command = app.add_subcommand("runs", "List recorded runs, newest first");
  command->add_option("--pipeline", runs->pipeline, "Only runs of this pipeline");
  command->add_option("--status", runs->status, "Only runs with this status")
      ->check(CLI::IsMember(
          {"running", "succeeded", "failed", "rejected", "cancelled", "interrupted"}));
  command->add_option("-n,--limit", runs->limit, "At most this many runs (0: all)")
      ->check(at_least("-n/--limit", 0))
      ->capture_default_str();
  command->add_flag("--params", runs->params, "The experiments table: a column per parameter");
  command->add_flag("--metrics", runs->metrics, "The experiments table: a column per metric");
  command
      ->add_option("--filter", runs->filters,
                   "Only runs where FIELD OP VALUE holds ('metrics.auc>0.8', 'tag:team=churn', "
                   "'params.lr=0.1', 'name~exp'); repeatable: all must hold")
      ->allow_extra_args(false);
  command->add_option("--sort", runs->sort, "Sort by FIELD, or -FIELD for descending");
  command->add_option("--columns", runs->columns,
                      "The columns, comma-separated (id,name,params.lr,metrics.auc)");
  command->add_flag("--csv", runs->csv, "Print the experiments table as CSV (RFC 4180)");
  add_query_options(command, runs->query);
  return {command, [runs] { return runs_command(*runs); }};
}

// `runs tag` and `runs note` first: when one was given, `runs` was too.
std::vector<Subcommand> add_runs_commands(CLI::App& app) {
  Subcommand runs = add_runs_command(app);
  auto tag = std::make_shared<RunsTagCommand>();
  CLI::App* tag_command =
      runs.app->add_subcommand("tag", "Set or remove tags of a run: KEY=VALUE... --remove KEY");
  tag_command->add_option("run", tag->run, "A run id, prefix, name, latest or latest~N")
      ->required();
  tag_command->add_option("tags", tag->tags, "KEY=VALUE tags to set (a key's value is replaced)");
  tag_command->add_option("--remove", tag->remove, "Remove this tag; repeatable")
      ->allow_extra_args(false);
  add_query_options(tag_command, tag->query);
  auto note = std::make_shared<RunsNoteCommand>();
  CLI::App* note_command =
      runs.app->add_subcommand("note", "Set a run's note (an empty TEXT removes it)");
  note_command->add_option("run", note->run, "A run id, prefix, name, latest or latest~N")
      ->required();
  note_command->add_option("text", note->text, "The note")->required();
  add_query_options(note_command, note->query);
  return {{tag_command, [tag] { return runs_tag_command(*tag); }},
          {note_command, [note] { return runs_note_command(*note); }},
          runs};
}

Subcommand add_compare_command(CLI::App& app) {
  auto compare = std::make_shared<CompareCommand>();
  CLI::App* command = app.add_subcommand(
      "compare", "Runs side by side: params, metrics (deltas against the first), outputs, commit");
  command->add_option("runs", compare->runs, "Two or more runs: ids, prefixes, names, latest~N");
  add_query_options(command, compare->query);
  return {command, [compare] { return compare_command(*compare); }};
}

// `import dvc` (the only importer): returns the nested command, which is the one that runs.
Subcommand add_import_command(CLI::App& app) {
  CLI::App* group =
      app.add_subcommand("import", "Convert another tool's pipeline into an mlops pipeline");
  group->require_subcommand(1);
  auto dvc = std::make_shared<ImportDvcCommand>();
  CLI::App* command = group->add_subcommand(
      "dvc", "Convert a DVC project's dvc.yaml into a pipeline file (docs/migrating-from-dvc.md)");
  command->add_option("dvc_file", dvc->dvc_file, "The dvc.yaml to convert (default: dvc.yaml)");
  command->add_option("-o,--output", dvc->output,
                      "The pipeline file to write (default: pipeline.yaml; - writes it to "
                      "standard output)");
  command->add_flag("--force", dvc->force, "Overwrite the output file if it exists");
  return {command, [dvc] { return import_dvc_command(*dvc); }};
}

Subcommand add_show_command(CLI::App& app) {
  auto show = std::make_shared<ShowCommand>();
  CLI::App* command = app.add_subcommand(
      "show", "Show one run: stages, artifacts read and written, metrics, commit, params");
  command->add_option("run", show->run, "A run id, a unique prefix, latest or latest~N")
      ->required();
  add_query_options(command, show->query);
  return {command, [show] { return show_command(*show); }};
}

Subcommand add_logs_command(CLI::App& app) {
  auto logs = std::make_shared<LogsCommand>();
  CLI::App* command = app.add_subcommand("logs", "Print the logs of a run's stages");
  command->add_option("run", logs->run, "A run id, a unique prefix, latest or latest~N")
      ->required();
  command->add_option("stage", logs->stage, "Only this stage (a matrix stage's name: all of it)");
  command->add_flag("-f,--follow", logs->follow, "Keep printing while the run goes on");
  add_query_options(command, logs->query);
  return {command, [logs] { return logs_command(*logs); }};
}

Subcommand add_artifacts_command(CLI::App& app) {
  auto artifacts = std::make_shared<ArtifactsCommand>();
  CLI::App* command = app.add_subcommand(
      "artifacts", "List the current version of every recorded path (below PATH)");
  command->add_option("path", artifacts->path, "A file or directory (workspace-relative)");
  command->add_flag("--history", artifacts->history, "Every version of PATH, newest first");
  add_query_options(command, artifacts->query);
  return {command, [artifacts] { return artifacts_command(*artifacts); }};
}

Subcommand add_lineage_command(CLI::App& app) {
  auto lineage = std::make_shared<LineageCommand>();
  CLI::App* command = app.add_subcommand(
      "lineage", "Walk what an artifact came from, or what was made from it, across runs");
  command->add_option("artifact", lineage->target, "A path (its latest version) or an id")
      ->required();
  auto* upstream =
      command->add_flag("--upstream", lineage->upstream, "What it came from (the default)");
  command->add_flag("--downstream", lineage->downstream, "What was made from it")
      ->excludes(upstream);
  command->add_option("--depth", lineage->depth, "How many artifact hops to follow")
      ->check(at_least("--depth", 1))
      ->capture_default_str();
  command->add_option("--format", lineage->format, "text, dot or json")
      ->check(CLI::IsMember({"text", "dot", "json"}))
      ->capture_default_str();
  add_query_options(command, lineage->query);
  return {command, [lineage] { return lineage_command(*lineage); }};
}

int run_metrics(const MetricsCommand& metrics) {
  if (metrics.runs.empty()) {
    write_all(2, "mlops: error: name at least one run: mlops metrics latest~1 latest\n");
    return k_exit_invalid;
  }
  return metrics_command(metrics);
}

// `metrics history` first: when it was given, `metrics` was too.
std::vector<Subcommand> add_metrics_commands(CLI::App& app) {
  auto metrics = std::make_shared<MetricsCommand>();
  CLI::App* command = app.add_subcommand(
      "metrics", "Compare runs' metrics (deltas against the first), or `metrics history`");
  command->add_option("runs", metrics->runs, "Runs: ids, prefixes, latest, latest~N");
  add_query_options(command, metrics->query);
  auto history = std::make_shared<MetricsHistoryCommand>();
  CLI::App* history_command = command->add_subcommand(
      "history", "One metric over a pipeline's runs, each produced value once");
  history_command->add_option("key", history->key, "The metric, such as logreg.accuracy")
      ->required();
  history_command->add_option("--pipeline", history->pipeline,
                              "The pipeline (default: the one pipeline that recorded the metric)");
  history_command->add_flag("--reused", history->reused,
                            "Also list the runs that reused each value from the cache");
  add_query_options(history_command, history->query);
  return {{history_command, [history] { return metrics_history_command(*history); }},
          {command, [metrics] { return run_metrics(*metrics); }}};
}

// `mlops models ...`: the model registry (docs/registry.md).
Subcommand add_models_subcommand(CLI::App* models, const char* name, const char* description,
                                 const std::function<void(CLI::App*, ModelsCommand&)>& define) {
  auto options = std::make_shared<ModelsCommand>();
  options->action = name;
  CLI::App* command = models->add_subcommand(name, description);
  define(command, *options);
  add_query_options(command, options->query);
  return {command, [options] { return models_command(*options); }};
}

void add_alias_option(CLI::App* command, ModelsCommand& options, bool required) {
  auto* alias = command->add_option("--alias", options.alias, "The alias, such as champion");
  if (required) {
    alias->required();
  }
}

// `mlops fg ...` and `mlops dataset ...`: the feature store (docs/feature-store.md).
Subcommand add_fg_subcommand(CLI::App* fg, const char* name, const char* description,
                             const std::function<void(CLI::App*, FeatureGroupCommand&)>& define) {
  auto options = std::make_shared<FeatureGroupCommand>();
  options->action = name;
  CLI::App* command = fg->add_subcommand(name, description);
  define(command, *options);
  command->add_option("--pipeline", options->pipeline,
                      "The pipeline file that declares the groups (and is the workspace)");
  command->add_option("--version", options->version,
                      "The group's version (default: declared, "
                      "else the newest)");
  command->add_flag("--json", options->json, "Print JSON");
  return {command, [options] { return feature_group_command(*options); }};
}

void add_group_argument(CLI::App* command, FeatureGroupCommand& options) {
  command->add_option("group", options.group, "The feature group")->required();
}

std::vector<Subcommand> add_fg_commands(CLI::App& app) {
  CLI::App* fg = app.add_subcommand(
      "fg",
      "Feature groups: commits, time travel, changes, online lookups (docs/feature-store.md)");
  fg->require_subcommand(1);
  auto group = [](CLI::App* c, FeatureGroupCommand& o) { add_group_argument(c, o); };
  return {
      add_fg_subcommand(fg, "list", "List the feature groups and their versions",
                        [](auto*, auto&) {}),
      add_fg_subcommand(fg, "show", "A group: schema, recent commits, datasets pinning it", group),
      add_fg_subcommand(fg, "create", "Create the group a pipeline declares (--pipeline)", group),
      add_fg_subcommand(fg, "insert", "Insert (upsert) a CSV or JSON Lines file as one commit",
                        [](CLI::App* c, FeatureGroupCommand& o) {
                          add_group_argument(c, o);
                          c->add_option("file", o.file, "The rows")->required();
                          c->add_option("-m,--message", o.message, "Why");
                          c->add_option("--rules", o.rules, "Validate with this rules file");
                          c->add_option("--policy", o.policy,
                                        "strict (refuse) or always (commit "
                                        "with the report)")
                              ->check(CLI::IsMember({"strict", "always"}));
                        }),
      add_fg_subcommand(
          fg, "delete", "Delete keys (tombstones) as one commit",
          [](CLI::App* c, FeatureGroupCommand& o) {
            add_group_argument(c, o);
            c->add_option("--keys", o.file, "The keys (and optionally event times)")->required();
            c->add_option("-m,--message", o.message, "Why");
          }),
      add_fg_subcommand(fg, "read", "The group as of a commit or a time (time travel)",
                        [](CLI::App* c, FeatureGroupCommand& o) {
                          add_group_argument(c, o);
                          c->add_option("--as-of", o.as_of, "A commit id, latest, or a time");
                          c->add_flag("--history", o.history, "Every stored version of each row");
                          c->add_option("-o,--output", o.output, "Write to this file");
                          c->add_option("--format", o.format, "csv or jsonl")
                              ->check(CLI::IsMember({"csv", "jsonl"}));
                        }),
      add_fg_subcommand(
          fg, "changes", "Rows committed in (SINCE, UNTIL] (incremental read)",
          [](CLI::App* c, FeatureGroupCommand& o) {
            add_group_argument(c, o);
            c->add_option("--since", o.since, "The last commit already read")->required();
            c->add_option("--until", o.until, "The last commit to read");
            c->add_option("-o,--output", o.output, "Write to this file");
            c->add_option("--format", o.format, "csv or jsonl")
                ->check(CLI::IsMember({"csv", "jsonl"}));
          }),
      add_fg_subcommand(fg, "commits", "The commit timeline, newest first",
                        [](CLI::App* c, FeatureGroupCommand& o) {
                          add_group_argument(c, o);
                          c->add_option("--limit", o.limit, "At most this many");
                        }),
      add_fg_subcommand(fg, "stats", "Statistics of a commit's values per feature",
                        [](CLI::App* c, FeatureGroupCommand& o) {
                          add_group_argument(c, o);
                          c->add_option("--commit", o.commit, "The commit (default: latest)");
                        }),
      add_fg_subcommand(fg, "get", "The online value of a key: present, expired or missing",
                        [](CLI::App* c, FeatureGroupCommand& o) {
                          add_group_argument(c, o);
                          c->add_option("keys", o.keys, "The key's column values")->required();
                        }),
      add_fg_subcommand(fg, "compact", "Drop row versions no commit from --keep-from can see",
                        [](CLI::App* c, FeatureGroupCommand& o) {
                          add_group_argument(c, o);
                          c->add_option("--keep-from", o.keep_from,
                                        "The oldest commit to keep "
                                        "readable")
                              ->required();
                        }),
  };
}

// `mlops push` and `mlops pull` (docs/remotes.md).
std::vector<Subcommand> add_store_commands(CLI::App& app) {
  CLI::App* store = app.add_subcommand(
      "store", "Look after the metadata store: `store migrate`, `store copy` (SQLite, PostgreSQL)");
  store->require_subcommand(1);
  auto migrate = std::make_shared<StoreMigrateCommand>();
  CLI::App* migrate_command = store->add_subcommand(
      "migrate",
      "Bring the store to this mlops's schema version (PostgreSQL stores migrate only "
      "with this command)");
  add_query_options(migrate_command, migrate->query);
  auto copy = std::make_shared<StoreCopyCommand>();
  CLI::App* copy_command = store->add_subcommand(
      "copy", "Copy a project's whole history into an empty store, verified table by table");
  copy_command
      ->add_option("--from", copy->from,
                   "The store to copy: a SQLite path, postgresql://... or a libpq conninfo")
      ->required();
  copy_command->add_option("--to", copy->to, "The empty, migrated store to copy into")->required();
  copy_command->add_flag("--json", copy->json, "Print JSON (shapes in docs/cli.md)");
  return {{migrate_command, [migrate] { return store_migrate_command(*migrate); }},
          {copy_command, [copy] { return store_copy_command(*copy); }}};
}

std::vector<Subcommand> add_transfer_commands(CLI::App& app) {
  std::vector<Subcommand> commands;
  for (bool push : {true, false}) {
    auto options = std::make_shared<TransferCommand>();
    options->push = push;
    CLI::App* command = app.add_subcommand(
        push ? "push" : "pull",
        push ? "Upload the cached outputs of runs to a remote (docs/remotes.md)"
             : "Fetch the cached outputs of runs from a remote, checking every digest");
    command->add_option("runs", options->runs,
                        push ? "RUN...: the runs (default: latest)"
                             : "RUN... PATH...: the runs (default: latest), and only the outputs "
                               "at these paths (default: all)");
    if (push) {
      command->add_flag("--all-runs", options->all_runs, "Every run that produced something");
    }
    command->add_option("--remote", options->remote,
                        "The remote: a directory (/path or file:///path), ssh://[user@]host"
                        "[:port]/path or s3://bucket[/prefix]; default $MLOPS_REMOTE, "
                        ".mlops/config, the run's pipeline's remote:");
    command->add_flag("--no-progress", options->no_progress,
                      "No progress bar (it is drawn only on a terminal)");
    if (!push) {
      command->add_flag("--lock", options->lock,
                        "Fetch exactly the outputs PIPELINE.lock names and restore them; the "
                        "argument is then the pipeline file (default pipeline.yaml)");
      command->add_flag("--no-checkout", options->no_checkout,
                        "With --lock: fetch into the object cache only, restore nothing");
    }
    command->add_option("-j,--jobs", options->jobs, "Transfers at once (default 4)")
        ->check(CLI::Range(1u, 64u));
    add_query_options(command, options->query);
    commands.push_back({command, [options] { return transfer_command(*options); }});
  }
  return commands;
}

std::vector<Subcommand> add_dataset_commands(CLI::App& app) {
  CLI::App* dataset = app.add_subcommand(
      "dataset", "Training datasets by point-in-time joins (docs/feature-store.md)");
  dataset->require_subcommand(1);
  std::vector<Subcommand> commands;
  const std::tuple<const char*, const char*, const char*> k_actions[] = {
      {"create", "Build a dataset the pipeline declares (--pipeline)", "NAME"},
      {"list", "The datasets built here, newest first", nullptr},
      {"show", "A dataset's manifest: spine, pinned commits, files", "ID"},
      {"recreate", "Rebuild a dataset from its pinned commits", "ID"}};
  for (const auto& [name, description, argument] : k_actions) {
    auto options = std::make_shared<DatasetCommand>();
    options->action = name;
    CLI::App* command = dataset->add_subcommand(name, description);
    if (argument) {
      command
          ->add_option(argument == std::string("NAME") ? "name" : "id", options->target, argument)
          ->required();
    }
    command->add_option("--pipeline", options->pipeline, "The pipeline file");
    command->add_flag("--json", options->json, "Print JSON");
    if (name == std::string("recreate")) {
      command->add_flag("--verify", options->verify,
                        "Rebuild in a scratch directory and compare with the recorded digests");
    }
    commands.push_back({command, [options] { return dataset_command(*options); }});
  }
  return commands;
}

std::vector<Subcommand> add_models_commands(CLI::App& app) {
  CLI::App* models = app.add_subcommand(
      "models", "The model registry: versions, aliases, promotion, rollback (docs/registry.md)");
  models->require_subcommand(1);
  models->footer(
      "Exit codes: 0 done; 2 a bad reference, an unknown model, alias or version, a refused "
      "promotion or rollback, or an alias moved concurrently.");
  auto model_name = [](CLI::App* command, ModelsCommand& options) {
    command->add_option("name", options.target, "The model")->required();
  };
  return {
      add_models_subcommand(models, "list", "List the registered models", [](auto*, auto&) {}),
      add_models_subcommand(
          models, "show", "A model: aliases, tags, versions newest first with their gate verdicts",
          [&](CLI::App* command, ModelsCommand& options) {
            model_name(command, options);
            command->add_flag("--all", options.all, "Every version (default: the newest 20)");
            command->add_option("-n,--limit", options.limit, "At most this many versions")
                ->check(at_least("-n/--limit", 1))
                ->capture_default_str();
          }),
      add_models_subcommand(
          models, "resolve", "Print the version NAME@ALIAS or NAME@vN names (one line)",
          [](CLI::App* command, ModelsCommand& options) {
            command->add_option("reference", options.target, "NAME@ALIAS or NAME@vN")->required();
            command->add_flag("--path", options.path,
                              "Print the workspace-relative path of the version's bytes "
                              "(.mlops/models/NAME@LABEL), restoring them from the cache");
          }),
      add_models_subcommand(
          models, "promote", "Point an alias at a version (needs a passing gate, or --force)",
          [&](CLI::App* command, ModelsCommand& options) {
            model_name(command, options);
            command->add_option("version", options.version, "The version: 3 or v3")->required();
            add_alias_option(command, options, true);
            command->add_option("--expect-current", options.expect,
                                "Only if the alias is held by this version now (none: by none)");
            command->add_option("--reason", options.reason, "Why (kept in the history)");
            command->add_flag("--force", options.force,
                              "Promote without a passing gate result (needs --reason)");
          }),
      add_models_subcommand(models, "rollback", "Point an alias back at the version it held before",
                            [&](CLI::App* command, ModelsCommand& options) {
                              model_name(command, options);
                              add_alias_option(command, options, true);
                              command->add_option("--reason", options.reason,
                                                  "Why (kept in the history)");
                            }),
      add_models_subcommand(models, "history", "Every move of a model's aliases, oldest first",
                            [&](CLI::App* command, ModelsCommand& options) {
                              model_name(command, options);
                              add_alias_option(command, options, false);
                            }),
      add_models_subcommand(
          models, "tag", "Set or remove tags of a model (NAME) or of a version (NAME@vN)",
          [](CLI::App* command, ModelsCommand& options) {
            command->add_option("target", options.target, "NAME or NAME@vN")->required();
            command->add_option("tags", options.assignments, "KEY=VALUE, repeatable");
            command->add_option("--remove", options.remove, "Remove this tag (repeatable)")
                ->allow_extra_args(false);
          }),
  };
}

void add_data_read_options(CLI::App* command, DataReadOptions& read) {
  command->add_option("--format", read.format, "auto (from the name), csv or jsonl")
      ->capture_default_str();
  command->add_option("--delimiter", read.delimiter,
                      "CSV field delimiter: one character, or tab (default: , or tab for .tsv)");
  command->add_flag("--no-header", read.no_header,
                    "The CSV has no header row (columns are named column_1, column_2, ...)");
  command->add_option("--null-value", read.null_values,
                      "A text that means no value (repeatable; added to the defaults: empty, NA, "
                      "N/A, null, NULL, None)");
  command->add_flag("--no-default-nulls", read.no_default_nulls,
                    "Only the --null-value texts mean no value");
}

// `mlops data validate` and `mlops data suggest`.
std::vector<Subcommand> add_data_validation_commands(CLI::App* data) {
  auto validate = std::make_shared<DataValidateCommand>();
  CLI::App* validate_command = data->add_subcommand(
      "validate", "Check a data file against a rules file, in one pass (docs/data-quality.md)");
  validate_command->add_option("file", validate->file, "The data file")->required();
  validate_command->add_option("--rules", validate->rules, "The rules file (YAML)")->required();
  add_data_read_options(validate_command, validate->read);
  validate_command->add_option("-o,--output", validate->output,
                               "Write the validation document (mlops.validation/1 JSON) here");
  validate_command->add_option("--junit", validate->junit,
                               "Write a JUnit XML file here: a test case per check");
  validate_command->add_option("--profile-out", validate->profile_out,
                               "Write the profile of the same pass (mlops.profile/1 JSON) here");
  validate_command->add_option("--metrics-out", validate->metrics_out,
                               "Write the headline numbers (validate.errors, data.rows, ...) "
                               "as a flat metrics file here");
  validate_command->add_flag("--json", validate->json, "Print the validation document");
  validate_command->add_flag("--strict", validate->strict,
                             "A failed warning-level check rejects the data too");
  validate_command->add_option("--history-pipeline", validate->history_pipeline,
                               "History checks compare with this pipeline's accepted runs "
                               "(default: $MLOPS_PIPELINE, set for stages)");
  validate_command->add_option("--store", validate->store,
                               "The metadata store history checks read (default: $MLOPS_STORE, "
                               "else .mlops/store.db of $MLOPS_WORKSPACE or here)");
  validate_command->footer(
      "Exit codes: 0 accepted (warnings printed), 3 rejected by an error-level check (or a "
      "warning with --strict), 2 invalid rules file or unusable data.");
  auto suggest = std::make_shared<DataSuggestCommand>();
  CLI::App* suggest_command = data->add_subcommand(
      "suggest", "Write a starting rules file from a profile of the data (Deequ's rules)");
  suggest_command->add_option("file", suggest->file, "The data file")->required();
  add_data_read_options(suggest_command, suggest->read);
  suggest_command->add_option("-o,--output", suggest->output,
                              "Write the rules file here (default: print it)");
  return {{validate_command, [validate] { return data_validate_command(*validate); }},
          {suggest_command, [suggest] { return data_suggest_command(*suggest); }}};
}

std::vector<Subcommand> add_data_commands(CLI::App& app) {
  CLI::App* data = app.add_subcommand(
      "data",
      "Data quality: profile, validate against rules, suggest rules, compare for drift "
      "(docs/data-quality.md)");
  data->require_subcommand(1);
  auto profile = std::make_shared<DataProfileCommand>();
  CLI::App* profile_command =
      data->add_subcommand("profile", "Profile a CSV, gzip'd CSV or JSON Lines file in one pass");
  profile_command->add_option("file", profile->file, "The data file")->required();
  add_data_read_options(profile_command, profile->read);
  profile_command->add_option("-o,--output", profile->output,
                              "Write the profile document (mlops.profile/1 JSON) here");
  profile_command->add_flag("--json", profile->json, "Print the profile document");
  profile_command->add_option("--metrics-out", profile->metrics_out,
                              "Write the headline numbers as a metrics file (data.rows, ...)");
  profile_command
      ->add_option("--threads", profile->threads,
                   "Read a big plain CSV file in this many parts at once (default 1)")
      ->check(CLI::Range(1, 64));
  auto drift = std::make_shared<DataDriftCommand>();
  CLI::App* drift_command = data->add_subcommand(
      "drift", "Compare current data with a reference: every measure for every column");
  drift_command->add_option("--reference", drift->reference, "Data file or profile (.json)")
      ->required();
  drift_command->add_option("--current", drift->current, "Data file or profile (.json)")
      ->required();
  add_data_read_options(drift_command, drift->read);
  drift_command
      ->add_option("--method", drift->method,
                   "The measure thresholds apply to: psi, js_divergence, js_distance, "
                   "linf, ks_d, ks_d_robust, wasserstein_norm")
      ->capture_default_str();
  drift_command->add_option("--warn", drift->warn, "Warn at this value (default 0.1)");
  drift_command->add_option("--fail", drift->fail, "A column drifts at this value (default 0.25)");
  drift_command->add_option("--min-rows", drift->min_rows,
                            "Values needed on each side, else the column is insufficient "
                            "(default 1000)");
  drift_command->add_option("--drift-share", drift->drift_share,
                            "The dataset drifts when this share of columns drift (default 0.5)");
  drift_command->add_option("--critical", drift->critical,
                            "A column whose drift alone makes the dataset drift (repeatable)");
  drift_command->add_option("--ignore", drift->ignore, "A column to leave out (repeatable)");
  drift_command->add_option("-o,--output", drift->output,
                            "Write the drift report (mlops.drift/1 JSON) here");
  drift_command->add_flag("--json", drift->json, "Print the drift report document");
  drift_command->add_option("--metrics-out", drift->metrics_out,
                            "Write every measure as a metrics file (drift.<column>.psi, ...)");
  drift_command->add_flag("--report-only", drift->report_only, "Exit 0 even when the data drifted");
  drift_command->footer("Exit codes: 0 no drift, 3 the dataset drifted, 2 unusable input.");
  std::vector<Subcommand> commands = {
      {profile_command, [profile] { return data_profile_command(*profile); }},
      {drift_command, [drift] { return data_drift_command(*drift); }}};
  for (Subcommand& command : add_data_validation_commands(data))
    commands.push_back(command);
  return commands;
}

Subcommand add_export_command(CLI::App& app) {
  auto export_run = std::make_shared<ExportCommand>();
  CLI::App* command = app.add_subcommand("export", "Export a run for other tools");
  CLI::App* openlineage = command->add_subcommand(
      "openlineage", "OpenLineage RunEvents (JSON lines) for a run and its stages");
  openlineage->add_option("run", export_run->run, "A run id, a unique prefix, latest or latest~N")
      ->required();
  openlineage->add_option("--store", export_run->query.store, "The metadata store");
  command->require_subcommand(1);
  return {openlineage, [export_run] { return export_command(*export_run); }};
}

Subcommand add_trigger_check_command(CLI::App& trigger, const GlobalOptions& global) {
  auto check = std::make_shared<TriggerCheckCommand>();
  CLI::App* command = trigger.add_subcommand(
      "check",
      "Evaluate triggers once and start the runs they call for (for cron and CI; see "
      "docs/triggers.md)");
  command->add_option(
      "pipelines", check->pipelines,
      "Pipeline files (default: pipeline.yaml and pipelines/*.yaml with a triggers: block)");
  command->add_flag("--dry-run", check->options.dry_run,
                    "Say what would fire; start and record nothing");
  command->add_flag("--json", check->options.json,
                    "Print JSON (shape in docs/cli.md); run output goes to stderr");
  command->add_flag("-q,--quiet", check->options.quiet,
                    "Print only what fired, the runs and errors (for crontabs)");
  command->add_option("--store", check->options.store,
                      "The metadata store (default: $MLOPS_STORE, else "
                      ".mlops/store.db in each pipeline's workspace)");
  command
      ->add_option("-j,--jobs", check->options.jobs,
                   "Stages to run at once in each run (default: the number of cores)")
      ->check(at_least("-j/--jobs", 1));
  command->add_flag("--from-watch", check->from_watch)->group("");
  command->footer(
      "Exit codes: 0 nothing failed (whether or not anything ran), 1 a started run failed, 2 a "
      "pipeline or trigger could not be evaluated, 130/143 interrupted.");
  return {command, [check, &global] {
            check->options.quiet = check->options.quiet || global.quiet;
            return trigger_check_command(*check);
          }};
}

Subcommand add_trigger_next_command(CLI::App& trigger) {
  auto next = std::make_shared<TriggerNextCommand>();
  CLI::App* command = trigger.add_subcommand(
      "next", "Print the next times a pipeline's schedule triggers fire, in its time zone and UTC");
  add_pipeline_argument(command, next->pipeline);
  command->add_option("-n,--count", next->count, "How many times")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command->add_flag("--json", next->json, "Print JSON");
  return {command, [next] { return trigger_next_command(*next); }};
}

Subcommand add_trigger_explain_command(CLI::App& trigger) {
  auto explain = std::make_shared<TriggerExplainCommand>();
  CLI::App* command = trigger.add_subcommand(
      "explain",
      "Say why a pipeline's triggers did or did not fire: each metric trigger's state, "
      "what it decides now, and its recorded evaluations");
  command
      ->add_option("pipeline", explain->pipeline,
                   "The pipeline file, or the name of a pipeline in pipeline.yaml or "
                   "pipelines/*.yaml")
      ->required();
  command->add_option("-n,--limit", explain->limit, "How many recorded evaluations to show")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  command->add_option("--store", explain->store,
                      "The metadata store (default: $MLOPS_STORE, else .mlops/store.db in the "
                      "pipeline's workspace)");
  command->add_flag("--json", explain->json, "Print JSON (shape in docs/triggers.md)");
  return {command, [explain] { return trigger_explain_command(*explain); }};
}

std::vector<Subcommand> add_trigger_commands(CLI::App& app, const GlobalOptions& global) {
  CLI::App* trigger =
      app.add_subcommand("trigger", "Decide from a pipeline's triggers whether to run it");
  trigger->require_subcommand(1);
  return {add_trigger_check_command(*trigger, global), add_trigger_next_command(*trigger),
          add_trigger_explain_command(*trigger)};
}

// `mlops watch` as typed: the interval and the stop policy are words until they are checked.
struct WatchArguments {
  WatchCommand command;
  std::string interval = "5s";
  std::string on_stop = "cancel";
};

int run_watch(WatchArguments& watch, const GlobalOptions& global) {
  watch.command.quiet = watch.command.quiet || global.quiet;
  auto interval = parse_duration(watch.interval);
  if (!interval || interval->count() < 100) {
    write_all(2, fmt::format("mlops: error: --interval '{}' is not a duration of at least "
                             "100ms (write 500ms, 5s, 1m)\n",
                             watch.interval));
    return k_exit_invalid;
  }
  watch.command.interval = *interval;
  watch.command.cancel_on_stop = watch.on_stop == "cancel";
  return watch_command(watch.command);
}

Subcommand add_watch_command(CLI::App& app, const GlobalOptions& global) {
  auto watch = std::make_shared<WatchArguments>();
  CLI::App* command = app.add_subcommand(
      "watch", "Run as a daemon: check triggers on data arrival, new commits and cron times");
  command->add_option(
      "pipelines", watch->command.pipelines,
      "Pipeline files (default: pipeline.yaml and pipelines/*.yaml with a triggers: block)");
  command
      ->add_option("--interval", watch->interval,
                   "How often to look at git refs and data paths (inotify wakes it sooner)")
      ->capture_default_str();
  command
      ->add_option("--on-stop", watch->on_stop,
                   "On SIGTERM/SIGINT: cancel running runs (recorded as cancelled) or let them "
                   "finish; a second signal cancels")
      ->check(CLI::IsMember({"cancel", "finish"}))
      ->capture_default_str();
  command->add_option("--store", watch->command.store, "The metadata store");
  command->add_option("-j,--jobs", watch->command.jobs, "Stages to run at once in each run")
      ->check(at_least("-j/--jobs", 1));
  command->add_flag("-q,--quiet", watch->command.quiet, "Log only what fired, the runs and errors");
  return {command, [watch, &global] { return run_watch(*watch, global); }};
}

Subcommand add_report_command(CLI::App& app) {
  auto report = std::make_shared<ReportCommand>();
  CLI::App* command = app.add_subcommand(
      "report", "Write one run as a self-contained HTML page: graph, timeline, artifacts, metrics");
  command->add_option("run", report->run, "A run id, a unique prefix, latest or latest~N")
      ->required();
  command->add_option("-o,--output", report->output,
                      "The HTML file (default: mlops-report-<run id>.html)");
  command->add_option("--store", report->query.store, "The metadata store");
  return {command, [report] { return report_command(*report); }};
}

Subcommand add_plots_command(CLI::App& app) {
  auto plots = std::make_shared<PlotsCommand>();
  CLI::App* command = app.add_subcommand(
      "plots", "Draw the plots runs recorded (plots: outs), overlaid, as one HTML page");
  command->add_option("runs", plots->runs, "Runs: ids, prefixes, names, latest~N")->required();
  command->add_option("-o,--output", plots->output,
                      "The HTML file (default: plots.html; with --json, none unless given)");
  add_query_options(command, plots->query);
  return {command, [plots] { return plots_command(*plots); }};
}

Subcommand add_ui_command(CLI::App& app) {
  auto ui = std::make_shared<UiCommand>();
  CLI::App* command = app.add_subcommand(
      "ui",
      "A read-only web UI on 127.0.0.1: runs, run pages with live logs, compare (docs/ui.md)");
  command->add_option("--port", ui->port, "The port (default 8080; 0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--host", ui->host,
                      "The address to listen on (default 127.0.0.1; another address is reachable "
                      "from the network)");
  command->add_option("--export", ui->export_dir,
                      "Write every page as a static site to this directory instead of serving");
  command->add_option("--store", ui->query.store, "The metadata store");
  return {command, [ui] { return ui_command(*ui); }};
}

Subcommand add_init_command(CLI::App& app) {
  auto init = std::make_shared<InitCommand>();
  CLI::App* command = app.add_subcommand(
      "init", "Start a workspace: .mlops/, a commented pipeline.yaml, .gitignore entries");
  command->add_option("directory", init->directory, "Where (default: the current directory)");
  command->add_flag("--no-gitignore", init->no_gitignore,
                    "Leave .gitignore alone (by default .mlops/'s caches and the pipeline's "
                    "outputs are added to it)");
  return {command, [init] { return init_command(*init); }};
}

// The completion scripts and `__commands` describe `app` as it is once every command is added.
Subcommand add_completion_command(CLI::App& app) {
  auto completion = std::make_shared<CompletionCommand>();
  CLI::App* command = app.add_subcommand(
      "completion", "Print a shell completion script: eval \"$(mlops completion bash)\"");
  command->add_option("shell", completion->shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  return {command, [completion, &app] {
            write_all(1, completion_script(model_of(app), completion->shell));
            return k_exit_success;
          }};
}

// The manual page, like the completion scripts, describes `app` once every command is added.
Subcommand add_man_command(CLI::App& app) {
  CLI::App* command =
      app.add_subcommand("man", "Print the manual page mlops(1) in roff: mlops man | man -l -");
  return {command, [&app] {
            write_all(1, man_page(model_of(app), fmt::format("mlops {}", MLOPS_VERSION)));
            return k_exit_success;
          }};
}

// Hidden helpers for the completion scripts and the tests.
std::vector<Subcommand> add_hidden_commands(CLI::App& app) {
  auto stages_file = std::make_shared<std::filesystem::path>();
  CLI::App* stages = app.add_subcommand("__stages", "Stage names of a pipeline")->group("");
  stages->add_option("pipeline", *stages_file)->required();
  CLI::App* commands = app.add_subcommand("__commands", "Every subcommand and option")->group("");
  return {{stages, [stages_file] { return stages_command(*stages_file); }},
          {commands, [&app] {
             write_all(1, join(command_paths(model_of(app)), "\n") + "\n");
             return k_exit_success;
           }}};
}

// A command and what adds it (with the commands nested in it) to the command line.
struct CommandGroup {
  const char* name;  // the word that names it on the command line
  std::vector<Subcommand> (*add)(CLI::App& app, const GlobalOptions& global);
  // Whether it works when no other command is defined: not the completion scripts and the
  // hidden helpers, which describe every command.
  bool alone = true;
};

template <Subcommand (*Add)(CLI::App&)>
std::vector<Subcommand> one(CLI::App& app, const GlobalOptions& /*global*/) {
  return {Add(app)};
}

template <std::vector<Subcommand> (*Add)(CLI::App&)>
std::vector<Subcommand> several(CLI::App& app, const GlobalOptions& /*global*/) {
  return Add(app);
}

std::vector<Subcommand> watch(CLI::App& app, const GlobalOptions& global) {
  return {add_watch_command(app, global)};
}

// Every command, in the order `mlops --help` lists them. A nested command comes before the
// command that contains it, since the first one the command line named is the one that runs.
constexpr CommandGroup k_commands[] = {
    {"check", one<add_check_command>},
    {"run", one<add_run_command>},
    {"graph", one<add_graph_command>},
    {"status", one<add_status_command>},
    {"checkout", one<add_checkout_command>},
    {"lock", one<add_lock_command>},
    {"gc", one<add_gc_command>},
    {"cache", one<add_cache_verify_command>},
    {"diff", one<add_diff_command>},
    {"runs", several<add_runs_commands>},
    {"show", one<add_show_command>},
    {"compare", one<add_compare_command>},
    {"logs", one<add_logs_command>},
    {"artifacts", one<add_artifacts_command>},
    {"lineage", one<add_lineage_command>},
    {"metrics", several<add_metrics_commands>},
    {"models", several<add_models_commands>},
    {"fg", several<add_fg_commands>},
    {"dataset", several<add_dataset_commands>},
    {"push", several<add_transfer_commands>},
    {"store", several<add_store_commands>},
    {"export", one<add_export_command>},
    {"data", several<add_data_commands>},
    {"trigger", add_trigger_commands},
    {"watch", watch},
    {"report", one<add_report_command>},
    {"plots", one<add_plots_command>},
    {"ui", one<add_ui_command>},
    {"import", one<add_import_command>},
    {"init", one<add_init_command>},
    {"completion", one<add_completion_command>, false},
    {"man", one<add_man_command>, false},
    {"__stages", several<add_hidden_commands>, false},
};

// Adds every command to `app`, or only the group named `only`.
std::vector<Subcommand> add_subcommands(CLI::App& app, const GlobalOptions& global,
                                        std::string_view only) {
  std::vector<Subcommand> commands;
  for (const CommandGroup& group : k_commands) {
    if (only.empty() || only == group.name) {
      std::vector<Subcommand> added = group.add(app, global);
      commands.insert(commands.end(), added.begin(), added.end());
    }
  }
  return commands;
}

int run_given_subcommand(const std::vector<Subcommand>& commands) {
  try {
    for (const Subcommand& command : commands) {
      if (*command.app) {
        return command.run();
      }
    }
  } catch (const std::exception& error) {
    write_all(2, fmt::format("mlops: internal error: {}\nPlease report this with the command "
                             "that caused it.\n",
                             error.what()));
    return exit_code_for(ErrorKind::Internal);
  }
  return k_exit_invalid;
}

// The index in argv of the first word at or after `from` that is neither an option nor an
// option's value: the subcommand's name. 0 when there is none.
int command_word(const CLI::App& app, int argc, char** argv, int from) {
  std::vector<std::string> value_options;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_type_size() > 0 && option->get_expected_min() > 0) {
      for (const auto& name : option->get_lnames()) {
        value_options.push_back("--" + name);
      }
    }
  }
  for (int i = from; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      return i + 1 < argc ? i + 1 : 0;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      if (std::find(value_options.begin(), value_options.end(), arg) != value_options.end()) {
        ++i;
      }
      continue;
    }
    return i;
  }
  return 0;
}

// The subcommand of `app` called `name` (hidden ones too), or null.
const CLI::App* find_subcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) {
      return sub;
    }
  }
  return nullptr;
}

// What CLI11 would get wrong about the command word: bare `mlops` and `mlops help [COMMAND]`
// print the help, a misspelt command gets a suggestion. Nothing when CLI11 should parse it.
std::optional<int> handle_command_word(const CLI::App& app, int argc, char** argv) {
  int index = command_word(app, argc, argv, 1);
  if (index == 0) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "-h" || arg == "--help" || arg == "--version") {
        return std::nullopt;
      }
    }
    write_all(1, app.help());  // bare `mlops`: the help, but exit 2 since nothing was done
    return k_exit_invalid;
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!sub->get_group().empty()) {
      names.push_back(sub->get_name());
    }
  }
  std::string word = argv[index];
  if (word == "help") {
    int topic = command_word(app, argc, argv, index + 1);
    const CLI::App* sub = topic != 0 ? find_subcommand(app, argv[topic]) : nullptr;
    if (topic == 0 || sub != nullptr) {
      write_all(1, sub != nullptr ? sub->help() : app.help());
      return k_exit_success;
    }
    word = argv[topic];
  }
  if (find_subcommand(app, word) == nullptr) {
    write_all(2, fmt::format("mlops: error: unknown command '{}'{}\nRun 'mlops --help' for the "
                             "commands.\n",
                             word, did_you_mean(word, names)));
    return k_exit_invalid;
  }
  return std::nullopt;
}

// The command group the command line names, when only it need be defined (each costs start-up
// time): not for help, for a word that is not a command (the suggestion needs them all), or for
// the completion scripts. Empty: define them all.
std::string_view command_to_define(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      return {};
    }
  }
  int index = command_word(app, argc, argv, 1);
  for (const CommandGroup& group : k_commands) {
    if (index != 0 && group.alone && std::string_view(argv[index]) == group.name) {
      return group.name;
    }
  }
  return {};
}

// CLI11's own errors in our format: "mlops: error: ...", then where to read about the options.
int report_parse_error(CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == 0) {
    app.exit(error);  // --help, --version
    return k_exit_success;
  }
  std::string message = error.what();
  // A validator of ours names the option itself: "--jobs: -j/--jobs must be at least 1".
  if (size_t colon = message.find(": -"); message.starts_with("-") && colon != std::string::npos) {
    std::string rest = message.substr(colon + 2);
    if (rest.substr(0, rest.find(' ')).find(message.substr(0, colon)) != std::string::npos) {
      message = rest;
    }
  }
  if (message.size() > 1 && std::isupper(static_cast<unsigned char>(message[0])) &&
      std::islower(static_cast<unsigned char>(message[1]))) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  std::string command = "mlops";
  for (const CLI::App* level = &app; level != nullptr;) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : level->get_subcommands([](const CLI::App*) { return true; })) {
      if (sub->parsed()) {
        next = sub;
        command += " " + sub->get_name();
        break;
      }
    }
    level = next;
  }
  write_all(2,
            fmt::format("mlops: error: {}\nRun '{} --help' for the options.\n", message, command));
  return k_exit_invalid;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // Writing to a closed pipe (mlops run | head) must not kill mlops while stages run.
  ::signal(SIGPIPE, SIG_IGN);

  // The version without building the command line (CLI11 answers it by throwing).
  std::string version = fmt::format("mlops {} (commit {})", MLOPS_VERSION, build_commit());
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    write_all(1, version + "\n");
    return k_exit_success;
  }
  CLI::App app{"mlops runs ML pipelines: a DAG of stages as parallel subprocesses.", "mlops"};
  app.set_version_flag("--version", version);
  app.require_subcommand(1);
  app.footer(k_footer);
  GlobalOptions global;
  add_global_options(app, global);
  std::vector<Subcommand> commands =
      add_subcommands(app, global, command_to_define(app, argc, argv));

  if (auto handled = handle_command_word(app, argc, argv)) {
    return *handled;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return report_parse_error(app, error);
  }
  apply_global_options(global);
  return run_given_subcommand(commands);
}

}  // namespace mlops
