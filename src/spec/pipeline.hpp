// The pipeline model, in two forms.
//
// PipelineSpec is the file as written (version 1 of the format, docs/pipeline-format.md): stage
// templates with `${...}` references and matrices, every value carrying its source position.
// Pipeline is what runs: matrices expanded, references interpolated, paths made
// workspace-relative, `needs` resolved to concrete stage indices. Both are plain structs; the
// loader (spec/loader.hpp) builds them and reports everything wrong as diagnostics.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/feature_store_spec.hpp"
#include "spec/yaml_tree.hpp"
#include "util/duration.hpp"
#include "util/job_resources.hpp"

namespace mlops {

inline constexpr int k_pipeline_format_version = 1;

// The kinds an out may be tagged with ({path: models/m.pkl, type: model}).
inline const char* const k_artifact_kinds[] = {
    "file", "directory", "dataset", "model", "metrics", "plots", "profile", "validation", "drift"};

template <typename T>
struct Located {
  T value{};
  SourceMark mark;
};
using LocatedString = Located<std::string>;

// One parameter value. Nested parameter maps are flattened to dotted names ("train.lr").
struct ParamValue {
  std::string text;  // as written, so 0.10 interpolates as 0.10
  ScalarType type = ScalarType::String;
  SourceMark mark;      // of the value
  SourceMark key_mark;  // of its name
  std::string origin;   // the file it came from, or "command line"
};
using ParamMap = std::map<std::string, ParamValue>;

// How a plots file is drawn (`plots:` of a stage, docs/pipeline-format.md). The file itself is an
// out of kind "plots" (cached, restored and recorded like any out); these options only say how
// to read and draw it, so they are not part of the stage's fingerprint.
struct PlotOptions {
  std::string path;             // workspace-relative (after expansion), as the out is
  std::string x;                // the x field; "" for the first column (linear/scatter)
  std::vector<std::string> y;   // the y fields; empty for every other numeric column
  std::string title;            // "" for the path
  std::string kind = "linear";  // `template:` linear | scatter | confusion
  std::string x_label;          // "" for the x field's name
  std::string y_label;          // "" for the y fields' names
};

// The templates `template:` accepts; confusion reads `actual` and `predicted` columns (or the
// columns `x:` and `y:` name).
inline const char* const k_plot_templates[] = {"linear", "scatter", "confusion"};

struct MatrixAxis {
  LocatedString key;
  std::vector<LocatedString> values;
};

// A model gate (`gate:` on the stage that writes the evaluation metrics, docs/registry.md):
// whether the candidate version of `model` is accepted. Every check must pass.
struct GateCheckSpec {
  SourceMark mark;
  std::string metric;         // a key of the stage's metrics file ("auc", "latency.p95")
  std::string direction;      // higher | lower: which way is better
  std::optional<double> min;  // value bounds, inclusive
  std::optional<double> max;
  std::optional<double> min_delta;       // improvement over the baseline, in the direction
  std::optional<double> min_rel_delta;   // the same relative to |baseline|
  std::optional<double> max_regression;  // how much worse than the baseline it may be
  // "" for the metric itself; a glob over slice names ("region=*"): the check applies to the
  // metric of every slice it matches (metrics file: {"slices": {"region=eu": {"auc": ...}}}).
  std::string slices;
  bool compares() const { return min_delta || min_rel_delta || max_regression; }
};

struct GateSpec {
  SourceMark mark;
  std::string model;
  std::string baseline = "champion";  // an alias of the model; "" for none
  bool pass_without_baseline = true;  // on_missing_baseline: pass (true) | fail
  std::vector<GateCheckSpec> checks;
  std::string promote;  // on_pass: {promote: ALIAS}; "" for none
};

// `${models.NAME@ALIAS}` in a stage: the version's bytes, materialized at
// .mlops/models/NAME@ALIAS when the stage is about to run (the loader adds that path to the
// stage's deps, so the stage runs again when the alias moves).
struct ModelRef {
  std::string model;
  std::string selector;  // an alias, or vN for a version
  std::string path() const { return ".mlops/models/" + model + "@" + selector; }
};

struct StageSpec {
  LocatedString name;
  std::string description;
  std::optional<LocatedString> run;               // a /bin/sh -c command ...
  std::optional<std::vector<LocatedString>> cmd;  // ... or an argv list
  std::vector<LocatedString> needs;
  std::vector<LocatedString> deps;
  std::vector<LocatedString> outs;
  std::vector<std::string> out_types;   // parallel to outs: "" (decided by what is there) or a kind
  std::vector<std::string> out_models;  // parallel to outs: "" or the model it is a version of
  // parallel to outs: "" or the feature group the out is ingested into when the stage succeeds
  std::vector<std::string> out_feature_groups;
  std::vector<SourceMark> out_feature_group_marks;  // parallel to outs: where each was named
  std::vector<LocatedString> metrics;
  std::vector<std::pair<LocatedString, LocatedString>> env;
  std::optional<LocatedString> workdir;
  std::optional<Located<Milliseconds>> timeout;
  int retries = 0;
  Milliseconds retry_delay{0};
  std::vector<MatrixAxis> matrix;
  bool cache = true;         // false: never skipped, outputs not cached
  bool always_run = false;   // true: never skipped (outputs still cached)
  bool incremental = false;  // true: told which dep files are new or changed
  // A built-in stage (`uses: profile|validate|drift`, spec/builtin_stage.hpp): its kind, and
  // its `with:` arguments (a scalar or a list of scalars each). parse_stage turns it into the
  // `mlops data ...` command (`cmd`) with its deps, outs and metrics.
  std::optional<LocatedString> uses;
  std::vector<std::pair<LocatedString, std::vector<LocatedString>>> with;
  SourceMark with_mark;
  std::optional<GateSpec> gate;
  // Where it runs and what it asks of a cluster (spec/executor_parser.hpp); unset: the
  // pipeline's default.
  std::optional<LocatedString> executor;
  std::optional<JobResources> resources;
  // `params: [train.lr, featurize]`: parameters (or whole groups of them) the stage depends on
  // without naming them in its command, for scripts that read the params file themselves.
  std::vector<LocatedString> params;
  // `plots:`: each also appended to `outs` with type "plots"; out_index is its place there.
  std::vector<std::pair<size_t, PlotOptions>> plots;
};

// Triggers: when `mlops trigger check` / `mlops watch` start a run (docs/triggers.md).
enum class Catchup { None, Latest, All };  // schedule times missed while nothing was checking
enum class Concurrency { Forbid, Queue, Replace };  // a trigger fires while a run is going

inline constexpr Milliseconds k_default_settle{10000};

struct GitTriggerSpec {
  SourceMark mark;
  std::string repo = ".";             // workspace-relative directory inside the repository
  std::optional<std::string> branch;  // nothing: the branch HEAD names
  std::vector<LocatedString> paths;   // globs relative to `repo`; empty: every change
};

struct DataTriggerSpec {
  SourceMark mark;
  std::vector<LocatedString> paths;  // workspace-relative globs
  Milliseconds settle = k_default_settle;
};

struct ScheduleTriggerSpec {
  SourceMark mark;
  std::string cron;
  std::string timezone = "UTC";
  Catchup catchup = Catchup::Latest;
};

struct ArtifactTriggerSpec {
  SourceMark mark;
  std::string pipeline;  // the upstream pipeline's name
  std::string path;      // workspace-relative
  // Instead of pipeline + path: a feature group of this workspace; fires once per new commit
  // not yet consumed by this pipeline (docs/feature-store.md).
  std::string feature_group;
};

// Fires when the data under `current` drifts from a reference (docs/triggers.md, "drift").
struct DriftTriggerSpec {
  SourceMark mark;
  std::vector<LocatedString> current;  // workspace-relative globs
  std::string reference;               // a data file or a profile (.json), workspace-relative
  // When set, the reference is the version of `reference` this pipeline's latest succeeded run
  // read (an input), not the file as it is now.
  std::string reference_pipeline;
  std::optional<Milliseconds> every;  // also check on this interval, changed data or not
  Milliseconds settle = k_default_settle;
  Milliseconds cooldown{0};  // after firing, do not fire again for this long
  uint64_t min_rows = 1000;
  std::string method = "psi";
  std::optional<double> warn;
  std::optional<double> fail;
  std::optional<double> drift_share;
  std::vector<std::string> critical;
  std::vector<std::string> ignore;
};

// Fires when a metric recorded by another pipeline's runs degrades (docs/triggers.md, "Metric").
enum class MetricBound { Below, Above, DegradesBy };
enum class MetricAggregate { Mean, Min, Max, Median, Last };

struct MetricCondition {
  MetricBound comparison = MetricBound::Below;
  double value = 0;  // the bound, or for DegradesBy the degradation X that breaches
  // DegradesBy only: the baseline is `metric` in the latest gate result of model@alias.
  std::string model;
  std::string alias = "champion";
  std::string metric;  // default: the source metric
  bool relative = false;
  bool lower_is_better = false;  // direction: lower (an error rate, a loss)
};

// Hysteresis: the aggregate is back past `value` (above it for Above, below it for Below).
struct MetricClear {
  MetricBound comparison = MetricBound::Above;  // Above or Below
  double value = 0;
  SourceMark mark;
};

struct MetricTriggerSpec {
  SourceMark mark;
  std::string source_pipeline;
  std::string source_stage;
  std::string source_metric;
  MetricCondition condition;
  int window = 1;  // the newest `window` usable readings
  MetricAggregate aggregate = MetricAggregate::Last;
  std::string samples_metric;  // min_samples: empty for none
  double samples_at_least = 0;
  int consecutive = 1;               // `for`
  std::optional<MetricClear> clear;  // nothing: the condition no longer holds
  Milliseconds cooldown{0};
  std::optional<Milliseconds> stale_after;
};

struct TriggerSpecs {
  std::vector<GitTriggerSpec> git;
  std::vector<DataTriggerSpec> data;
  std::vector<ScheduleTriggerSpec> schedule;
  std::vector<ArtifactTriggerSpec> artifact;
  std::vector<DriftTriggerSpec> drift;
  std::vector<MetricTriggerSpec> metric;
  bool empty() const {
    return git.empty() && data.empty() && schedule.empty() && artifact.empty() && drift.empty() &&
           metric.empty();
  }
};

// How a cached output and the object cache share bytes (`cache_link`, docs/caching.md).
// Copy: each keeps its own copy (a reflink where the filesystem can). Hardlink: an output is made
// read-only and becomes a hard link to its cache object, when saved and when restored.
enum class CacheLink { Copy, Hardlink };

// A notification hook (`on_failure:`, `on_rejected:`, `on_success:` at pipeline level,
// docs/pipeline-format.md): a /bin/sh -c command run once a run's outcome is recorded, with the
// run's summary as JSON on stdin and in MLOPS_* variables (app/run_hooks.hpp). Never changes
// the run's outcome.
inline constexpr Milliseconds k_default_hook_timeout{60000};

struct HookSpec {
  SourceMark mark;
  std::string command;  // as written: not interpolated (the shell expands $MLOPS_RUN_ID)
  Milliseconds timeout = k_default_hook_timeout;
};

struct PipelineHooks {
  std::optional<HookSpec> on_failure;   // a stage failed (exit 1)
  std::optional<HookSpec> on_rejected;  // a data check or model gate rejected the run (exit 3)
  std::optional<HookSpec> on_success;   // every selected stage succeeded (exit 0)
};

struct PipelineSpec {
  int version = 0;
  LocatedString name;
  std::string description;
  ParamMap params;
  std::vector<std::string> param_groups;  // dotted names that are maps, e.g. "train"
  // `params: {file: F | [F, ...]}`: params files as written (relative to the pipeline file's
  // directory), read by the loader after the inline values (`params: {values: ...}`).
  std::vector<LocatedString> params_files;
  std::vector<std::pair<LocatedString, LocatedString>> env;
  std::vector<StageSpec> stages;
  TriggerSpecs triggers;
  Concurrency concurrency = Concurrency::Queue;
  CacheLink cache_link = CacheLink::Copy;
  std::optional<LocatedString> remote;  // `remote:` (docs/remotes.md)
  std::vector<FeatureGroupSpec> feature_groups;
  // `feature_groups: FILE`: the file as written (relative to the pipeline file's directory);
  // the loader reads its groups into `feature_groups`.
  std::optional<LocatedString> feature_groups_file;
  std::vector<DatasetSpec> datasets;
  // The default `executor` and `resources` of every stage (spec/executor_parser.hpp).
  std::optional<LocatedString> executor;
  std::optional<JobResources> resources;
  PipelineHooks hooks;
};

enum class CommandKind { Shell, Argv };

// One runnable stage: a stage of the file, or one combination of a matrix stage.
struct Stage {
  std::string name;       // "train[model=logreg,fold=1]"
  std::string base_name;  // "train"
  size_t spec_index = 0;  // which StageSpec it came from
  SourceMark mark;        // where the stage is defined
  std::vector<std::pair<std::string, std::string>> matrix_values;
  std::string description;

  CommandKind command_kind = CommandKind::Shell;
  std::string shell_command;      // CommandKind::Shell: run through /bin/sh -c
  std::vector<std::string> argv;  // CommandKind::Argv: executed directly, no shell

  std::vector<size_t> needs;                             // stage indices named by `needs`
  std::vector<LocatedString> deps;                       // workspace-relative paths
  std::vector<LocatedString> outs;                       // workspace-relative paths
  std::vector<std::string> out_types;                    // parallel to outs: "" or a kind
  std::vector<std::string> out_models;                   // parallel to outs: "" or a model
  std::vector<std::string> out_feature_groups;           // parallel to outs: "" or a feature group
  std::vector<LocatedString> metrics;                    // workspace-relative paths
  std::vector<PlotOptions> plots;                        // each path is also in outs (type "plots")
  std::vector<std::pair<std::string, std::string>> env;  // pipeline env, then the stage's own
  std::string workdir = ".";                             // workspace-relative
  std::optional<Milliseconds> timeout;
  int retries = 0;
  Milliseconds retry_delay{0};
  std::vector<std::string> params_used;  // dotted names of every ${params.*} referenced
  bool cache = true;
  bool always_run = false;
  bool incremental = false;
  // "" for a command; "profile", "validate", "drift" or "dataset" (one per `datasets:` entry,
  // spec/feature_store_loader.hpp) for a built-in stage, whose argv[0] is "mlops" (the executor
  // runs the mlops binary that runs the pipeline).
  std::string builtin;
  std::optional<GateSpec> gate;
  std::vector<ModelRef> model_refs;  // materialized before the stage runs (also in deps)
  // "local" (a subprocess here) or a cluster executor ("slurm"), with what it asks of the
  // cluster: the stage's own keys over the pipeline's defaults. Not in the fingerprint.
  std::string executor = k_local_executor;
  JobResources resources;
};

struct Pipeline {
  std::filesystem::path file;       // as given on the command line
  std::string source_text;          // the file's text, to quote lines in later diagnostics
  std::filesystem::path workspace;  // absolute
  std::string name;
  std::string description;
  ParamMap params;                                   // after overrides
  std::vector<std::string> params_files;             // workspace-relative, as the pipeline lists
  std::map<std::string, std::string> param_file_of;  // parameter -> the params file it came from
  std::vector<Stage> stages;                         // in file order, matrix combinations in place
  TriggerSpecs triggers;
  Concurrency concurrency = Concurrency::Queue;
  CacheLink cache_link = CacheLink::Copy;
  // The default artifact remote (`remote:`; .mlops/config, $MLOPS_REMOTE and --remote win).
  std::optional<std::string> remote;
  // Declared in the file or in the file `feature_groups:` names; find one with
  // find_feature_group (spec/feature_store_parser.hpp).
  std::vector<FeatureGroupSpec> feature_groups;
  // Spine and out are workspace-relative and normal here; each dataset is also a stage (the
  // last stages, builtin "dataset").
  std::vector<DatasetSpec> datasets;
  std::string feature_groups_file;  // workspace-relative, or "" when the groups are inline
  PipelineHooks hooks;
};

}  // namespace mlops
