// The subcommands, as plain functions of plain option structs. app.cpp parses the command line
// (CLI11 stays in that one file) and calls these; each returns the process exit code.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/query_support.hpp"
#include "spec/pipeline.hpp"
#include "util/duration.hpp"

namespace mlops {

struct ParamOptions {
  std::vector<std::string> params;      // -p KEY=VALUE
  std::vector<std::string> set_params;  // -S KEY=VALUE
  std::optional<std::filesystem::path> params_file;
};

struct CheckCommand {
  std::vector<std::filesystem::path> pipelines;
};
int check_command(const CheckCommand& command);

struct RunCommand {
  std::filesystem::path pipeline;
  ParamOptions params;
  bool save_params = false;  // --save-params
  size_t jobs = 0;           // 0: the number of cores
  std::vector<std::string> stages;
  std::vector<std::string> from;
  bool dry_run = false;
  bool keep_going = false;
  std::optional<std::filesystem::path> store;  // --store
  bool no_record = false;                      // --no-record
  bool force = false;                          // --force
  std::vector<std::string> force_stages;       // --force-stage
  std::optional<std::filesystem::path> junit;  // --junit FILE
  bool pull = false;                           // --pull
  bool no_gitignore = false;                   // --no-gitignore
  bool no_hooks = false;                       // --no-hooks
  bool lock = false;                           // --lock
  std::optional<std::string> remote;           // --remote (with --pull)
  std::optional<std::string> name;             // --name
  std::vector<std::string> tags;               // --tag KEY=VALUE
  std::optional<std::string> note;             // --note
};
int run_command(const RunCommand& command);

struct GraphCommand {
  std::filesystem::path pipeline;
  ParamOptions params;
  std::string format = "dot";  // dot | mermaid | json
};
int graph_command(const GraphCommand& command);

struct StatusCommand {
  std::filesystem::path pipeline;
  ParamOptions params;
  QueryOptions query;
};
int status_command(const StatusCommand& command);

struct CheckoutCommand {
  QueryOptions query;
  std::vector<std::string> args;  // RUN [PATH...], or PATH... with --as-of
  std::optional<std::string> as_of;
  bool force = false;
};
int checkout_command(const CheckoutCommand& command);

struct GcCommand {
  QueryOptions query;
  std::optional<int> keep_last;
  std::optional<int> keep_days;
  bool dry_run = false;
};
int gc_command(const GcCommand& command);

struct DiffCommand {
  QueryOptions query;
  std::string first;
  std::string second;
};
int diff_command(const DiffCommand& command);

struct RunsCommand {
  QueryOptions query;
  std::optional<std::string> pipeline;
  std::optional<std::string> status;
  int limit = 20;  // 0: all
  // The experiments table (cmd_experiments.cpp) when any of these is given.
  bool params = false;               // --params
  bool metrics = false;              // --metrics
  std::vector<std::string> filters;  // --filter
  std::optional<std::string> sort;   // --sort [-]FIELD
  std::vector<std::string> columns;  // --columns A,B,...
  bool csv = false;                  // --csv
};
int runs_command(const RunsCommand& command);
bool is_experiments_query(const RunsCommand& command);
int experiments_command(const RunsCommand& command);

// mlops runs tag RUN KEY=VALUE... [--remove KEY], mlops runs note RUN TEXT.
struct RunsTagCommand {
  QueryOptions query;
  std::string run;
  std::vector<std::string> tags;
  std::vector<std::string> remove;
};
int runs_tag_command(const RunsTagCommand& command);

struct RunsNoteCommand {
  QueryOptions query;
  std::string run;
  std::string text;
};
int runs_note_command(const RunsNoteCommand& command);

// mlops compare RUN RUN [RUN...]
struct CompareCommand {
  QueryOptions query;
  std::vector<std::string> runs;
};
int compare_command(const CompareCommand& command);

// mlops plots RUN... [-o FILE] [--json] (cmd_plots.cpp)
struct PlotsCommand {
  QueryOptions query;
  std::vector<std::string> runs;
  std::optional<std::filesystem::path> output;  // -o
};
int plots_command(const PlotsCommand& command);

// mlops import dvc [DVC_YAML] [-o PIPELINE|-] [--force] (cmd_import.cpp)
struct ImportDvcCommand {
  std::filesystem::path dvc_file = "dvc.yaml";
  std::string output = "pipeline.yaml";  // "-": standard output
  bool force = false;
};
int import_dvc_command(const ImportDvcCommand& command);

struct ShowCommand {
  QueryOptions query;
  std::string run;
};
int show_command(const ShowCommand& command);

struct LogsCommand {
  QueryOptions query;
  std::string run;
  std::optional<std::string> stage;
  bool follow = false;
};
int logs_command(const LogsCommand& command);

struct ArtifactsCommand {
  QueryOptions query;
  std::optional<std::string> path;
  bool history = false;
};
int artifacts_command(const ArtifactsCommand& command);

struct LineageCommand {
  QueryOptions query;
  std::string target;  // a path or an artifact id
  bool upstream = false;
  bool downstream = false;
  int depth = 20;
  std::string format = "text";  // text | dot | json
};
int lineage_command(const LineageCommand& command);

struct MetricsCommand {
  QueryOptions query;
  std::vector<std::string> runs;
};
int metrics_command(const MetricsCommand& command);

struct MetricsHistoryCommand {
  QueryOptions query;
  std::string key;
  std::string pipeline;
  bool reused = false;  // list the runs that reused each value
};
int metrics_history_command(const MetricsHistoryCommand& command);

// `mlops models list|show|resolve|promote|rollback|history|tag` (docs/registry.md): one struct
// for every subcommand, `action` says which; each uses the fields its options fill.
struct ModelsCommand {
  QueryOptions query;
  std::string action;
  std::string target;                    // NAME, NAME@ALIAS, NAME@vN or NAME[@vN]
  std::string version;                   // promote: VERSION (3 or v3)
  std::optional<std::string> alias;      // --alias
  std::optional<std::string> expect;     // --expect-current V (none or 0: held by none)
  std::optional<std::string> reason;     // --reason
  bool force = false;                    // promote --force
  bool all = false;                      // show --all
  int limit = 20;                        // show --limit
  bool path = false;                     // resolve --path
  std::vector<std::string> assignments;  // tag KEY=VALUE...
  std::vector<std::string> remove;       // tag --remove KEY
};
int models_command(const ModelsCommand& command);

// `mlops fg list|show|create|insert|delete|read|changes|commits|stats|get|compact` and
// `mlops dataset create|list|show|recreate` (docs/feature-store.md): one struct each, `action`
// says which subcommand; each uses the fields its options fill.
struct FeatureGroupCommand {
  std::string action;
  std::optional<std::filesystem::path> pipeline;  // --pipeline: where groups are declared
  std::string group;
  int version = 0;                              // --version (0: declared, else the newest)
  std::optional<std::filesystem::path> file;    // insert FILE, delete --keys FILE
  std::string message;                          // -m
  std::optional<std::filesystem::path> rules;   // --rules
  std::optional<std::string> policy;            // --policy strict|always
  std::string as_of = "latest";                 // read --as-of
  bool history = false;                         // read --history
  std::optional<std::filesystem::path> output;  // -o
  std::string format = "csv";                   // --format csv|jsonl
  std::string since;                            // changes --since
  std::string until = "latest";                 // changes --until
  std::optional<std::string> commit;            // stats --commit
  std::vector<std::string> keys;                // get KEY...
  int limit = 0;                                // commits --limit
  std::optional<int64_t> keep_from;             // compact --keep-from
  bool json = false;
};
int feature_group_command(const FeatureGroupCommand& command);

// `mlops push` / `mlops pull` (docs/remotes.md): outputs' objects to and from a remote.
struct TransferCommand {
  QueryOptions query;
  bool push = true;
  std::vector<std::string> runs;      // empty: latest
  bool all_runs = false;              // push --all-runs
  std::optional<std::string> remote;  // --remote, else $MLOPS_REMOTE
  unsigned jobs = 4;                  // -j
  bool no_progress = false;           // --no-progress
  bool lock = false;                  // pull --lock: runs holds the pipeline file
  bool no_checkout = false;           // pull --lock --no-checkout
};
int transfer_command(const TransferCommand& command);
int lock_pull_command(const TransferCommand& command);

struct LockCommand {
  std::filesystem::path pipeline = "pipeline.yaml";
  QueryOptions query;
};
int lock_command(const LockCommand& command);

struct DatasetCommand {
  std::string action;
  std::optional<std::filesystem::path> pipeline;
  std::string target;  // create NAME; show/recreate ID
  bool verify = false;
  bool json = false;
};
int dataset_command(const DatasetCommand& command);

struct CacheVerifyCommand {
  QueryOptions query;
};
int cache_verify_command(const CacheVerifyCommand& command);

struct ExportCommand {
  QueryOptions query;
  std::string run;
};
int export_command(const ExportCommand& command);

struct ReportCommand {
  QueryOptions query;
  std::string run;
  std::optional<std::filesystem::path> output;  // -o; default mlops-report-<run>.html
};
int report_command(const ReportCommand& command);

// mlops ui [--port N] [--host ADDRESS] [--export DIR]
struct UiCommand {
  QueryOptions query;
  int port = 8080;
  std::optional<std::string> host;  // explicit: may be non-loopback (with a warning)
  std::optional<std::filesystem::path> export_dir;
};
int ui_command(const UiCommand& command);

struct InitCommand {
  std::filesystem::path directory = ".";
  bool no_gitignore = false;  // --no-gitignore
};
int init_command(const InitCommand& command);

struct CompletionCommand {
  std::string shell;  // bash | zsh | fish
};

// The stage names of a pipeline, one a line (for completion scripts; silent on errors).
int stages_command(const std::filesystem::path& pipeline);

struct TriggerCheckFlags {
  std::optional<std::filesystem::path> store;  // --store
  bool dry_run = false;                        // evaluate and say what would run; write nothing
  bool quiet = false;                          // only firings, runs and errors
  bool json = false;                           // stdout is JSON; progress goes to stderr
  size_t jobs = 0;
};

struct TriggerCheckCommand {
  std::vector<std::filesystem::path> pipelines;  // empty: discovered in the workspace
  TriggerCheckFlags options;
  bool from_watch = false;  // hidden: started by `mlops watch`, ends with it
};
int trigger_check_command(const TriggerCheckCommand& command);

struct TriggerNextCommand {
  std::filesystem::path pipeline;
  int count = 5;
  bool json = false;
};
int trigger_next_command(const TriggerNextCommand& command);

struct TriggerExplainCommand {
  std::string pipeline;  // a pipeline file, or the name of a discovered pipeline
  std::optional<std::filesystem::path> store;
  int limit = 10;
  bool json = false;
};
int trigger_explain_command(const TriggerExplainCommand& command);

struct WatchCommand {
  std::vector<std::filesystem::path> pipelines;  // empty: discovered in the workspace
  std::optional<std::filesystem::path> store;
  Milliseconds interval{5000};
  bool cancel_on_stop = true;  // --on-stop cancel|finish
  size_t jobs = 0;
  bool quiet = false;
};
int watch_command(const WatchCommand& command);

// How `mlops data ...` reads a data file (the options shared by its subcommands).
struct DataReadOptions {
  std::string format = "auto";  // auto | csv | jsonl
  std::string delimiter;        // one character, or "tab"; empty: from the name
  bool no_header = false;
  std::vector<std::string> null_values;  // --null-value, repeated; none given: the defaults
  bool no_default_nulls = false;         // --no-default-nulls
};

struct DataProfileCommand {
  std::filesystem::path file;
  DataReadOptions read;
  std::optional<std::filesystem::path> output;       // -o: the profile document
  std::optional<std::filesystem::path> metrics_out;  // --metrics-out: headline numbers
  bool json = false;                                 // print the profile document
  unsigned threads = 1;                              // --threads: parts read at once
};
int data_profile_command(const DataProfileCommand& command);

struct DataDriftCommand {
  std::filesystem::path reference;
  std::filesystem::path current;
  DataReadOptions read;
  std::string method = "psi";
  std::optional<double> warn;
  std::optional<double> fail;
  std::optional<uint64_t> min_rows;
  std::optional<double> drift_share;
  std::vector<std::string> critical;                 // --critical COLUMN
  std::vector<std::string> ignore;                   // --ignore COLUMN
  std::optional<std::filesystem::path> output;       // -o: the drift report document
  std::optional<std::filesystem::path> metrics_out;  // --metrics-out: every measure, flat
  bool json = false;
  bool report_only = false;  // exit 0 even when the data drifted
};
int data_drift_command(const DataDriftCommand& command);

struct DataValidateCommand {
  std::filesystem::path file;
  std::filesystem::path rules;                       // --rules
  DataReadOptions read;                              // over the rules file's `input:`
  std::optional<std::filesystem::path> output;       // -o: validation.json
  std::optional<std::filesystem::path> junit;        // --junit
  std::optional<std::filesystem::path> profile_out;  // --profile-out: the profile of the pass
  std::optional<std::filesystem::path> metrics_out;  // --metrics-out: validate.* and data.*
  bool json = false;                                 // print the validation document
  bool strict = false;                               // a failed warning rejects the data too
  // History checks: the accepted runs of this pipeline (default: $MLOPS_PIPELINE, set when the
  // command runs as a stage) in this store (default: $MLOPS_STORE, else .mlops/store.db in
  // $MLOPS_WORKSPACE or the current directory).
  std::optional<std::string> history_pipeline;
  std::optional<std::filesystem::path> store;
};
int data_validate_command(const DataValidateCommand& command);

// mlops store migrate / mlops store copy (cmd_store.cpp).
struct StoreMigrateCommand {
  QueryOptions query;
};
int store_migrate_command(const StoreMigrateCommand& command);

struct StoreCopyCommand {
  std::string from;  // --from: a SQLite path or a PostgreSQL URL or conninfo
  std::string to;    // --to
  bool json = false;
};
int store_copy_command(const StoreCopyCommand& command);

struct DataSuggestCommand {
  std::filesystem::path file;
  DataReadOptions read;
  std::optional<std::filesystem::path> output;  // -o: the rules file (else stdout)
};
int data_suggest_command(const DataSuggestCommand& command);

// The pipelines `trigger check` and `watch` look at (cmd_trigger.cpp), upstream first, with
// the diagnostics of bad files printed; nothing when none could be found.
std::optional<std::vector<std::pair<std::filesystem::path, Pipeline>>> load_watched_pipelines(
    const std::vector<std::filesystem::path>& files);

}  // namespace mlops
