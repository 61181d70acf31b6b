// The metadata store's interface: what the engine records about runs and executions, and what
// the query commands read back. SqlStore (sql_store.hpp) implements it over SQLite and over
// PostgreSQL; the engine never knows which.
//
// Every method that writes does so in one short transaction; none is held while a stage runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/registry_records.hpp"
#include "util/error.hpp"

namespace mlops {

struct RunRecord {
  std::string id;
  std::string pipeline;
  std::string pipeline_file;
  std::string pipeline_hash;
  std::string status = "running";
  std::string cause = "manual";
  std::optional<std::string> cause_detail;
  std::string params_json = "{}";
  std::optional<std::string> git_commit;
  std::optional<std::string> git_branch;
  std::optional<bool> git_dirty;
  std::string host;
  std::string user;
  std::string mlops_version;
  int64_t owner_pid = 0;
  // The owner's start time (clock ticks after boot, /proc/PID/stat field 22) and the boot it ran
  // in: with owner_pid they name that mlops process, never one that reused its pid. Empty in
  // runs recorded before schema version 4.
  std::optional<int64_t> owner_start_ticks;
  std::optional<std::string> boot_id;
  std::string started_at;
  std::optional<std::string> ended_at;
  // Written every few seconds by the run's mlops while it runs (schema version 9): a running run
  // whose heartbeat is old lost its mlops, on whatever host (app/workspace.cpp).
  std::optional<std::string> heartbeat_at;
  // What the user called the run, what they noted about it and its tags (schema version 10;
  // app/run_labels.hpp checks them). A name need not be unique.
  std::optional<std::string> name;
  std::optional<std::string> note;
  std::map<std::string, std::string> tags;
};

struct ExecutionRecord {
  int64_t id = 0;
  std::string run_id;
  std::string stage;
  int attempt = 1;
  std::string status = "running";
  std::string command;
  std::optional<int64_t> exit_code;
  std::optional<int64_t> signal;
  std::optional<std::string> message;
  std::string started_at;
  std::optional<std::string> ended_at;
  std::optional<std::string> log_path;
  std::optional<std::string> fingerprint;  // of the stage's definition and inputs (cache/)
  bool cached = false;                     // skipped or restored: not run
  // The stage's main process, which leads its own session and process group, and its start
  // time (as RunRecord::owner_start_ticks): what a later mlops kills if this run's mlops died.
  std::optional<int64_t> pid;
  std::optional<int64_t> pid_start_ticks;
};

// One version of a path: what an execution read or wrote.
struct ArtifactVersion {
  std::string path;  // workspace-relative
  std::string kind;  // file, directory, dataset, model, metrics
  std::string digest;
  int64_t size = 0;
};

struct MetricValue {
  std::string key;  // flattened: a.b.c
  double value = 0;
};

// Everything recorded when an execution ends, written in one transaction.
struct ExecutionOutcome {
  ExecutionRecord execution;  // id set; status, exit code, signal, message, end time
  std::vector<ArtifactVersion> inputs;
  std::vector<ArtifactVersion> outputs;  // only for a succeeded execution
  std::vector<MetricValue> metrics;
};

struct ArtifactRecord {
  int64_t id = 0;
  std::string path;
  std::string kind;
  std::string digest;
  int64_t size = 0;
  std::string created_at;
  // The execution that produced this version (artifacts.produced_by: the first that ran and
  // wrote these bytes; an execution that took them from the cache never counts), and its run and
  // stage; empty for pure inputs.
  std::optional<int64_t> producer;
  std::optional<std::string> producer_run;
  std::optional<std::string> producer_stage;
  // The runs whose stage reused this version from the cache (skipped or restored), by id.
  std::vector<std::string> reused_in;
};

struct EventRecord {
  int64_t execution_id = 0;
  std::string stage;
  std::string direction;  // input | output
  ArtifactRecord artifact;
};

struct MetricRecord {
  std::string run_id;
  std::string stage;
  std::string key;
  double value = 0;
  int64_t execution_id = 0;
  // metric_history only: the runs that reused this value from the cache (by id, oldest first).
  std::vector<std::string> reused_in;
};

// A remembered file digest (see hash/digest.hpp: FileIdentity).
struct FileStat {
  std::string path;  // absolute
  int64_t device = 0;
  int64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  std::string digest;
};

// The newest succeeded execution of a stage with a given fingerprint, and what it wrote.
struct CachedExecution {
  int64_t execution_id = 0;
  std::string run_id;
  std::vector<ArtifactVersion> outputs;
};

// One execution's part of a batch: its start (an insert), its end, or both.
struct ExecutionWrite {
  std::optional<ExecutionRecord> start;
  // With a start, the end applies to the row the start inserts; alone, to `end->execution.id`.
  std::optional<ExecutionOutcome> end;
};

// What one trigger of one pipeline has seen (docs/triggers.md).
struct TriggerState {
  std::string pipeline;
  std::string trigger_key;
  std::string state_json;
  std::string updated_at;
  std::optional<std::string> run_id;
};

// A change of trigger state that applies only if the stored state is still `expected` (nothing:
// no state yet). If another process advanced it first, the whole write is refused (Conflict):
// that is how two overlapping `mlops trigger check` never start two runs for one event.
//
// `evaluation`, when given, is appended to trigger_evaluations in the same transaction, only if
// the advance applies (with the run's id when written by begin_run): the metric trigger's log of
// why its state moved, which never shows a firing that did not happen.
struct TriggerAdvance {
  std::string pipeline;
  std::string trigger_key;
  std::optional<std::string> expected;
  std::string state_json;
  std::optional<TriggerEvaluation> evaluation;
};

// One run of a notification hook (`on_failure`, `on_rejected`, `on_success`; schema version 11,
// app/run_hooks.hpp): which hook, how it ended and how long it took. Its command is not kept
// (the pipeline file has it); its output is in `log_path`.
struct HookExecutionRecord {
  int64_t id = 0;
  std::string run_id;
  std::string hook;    // on_failure | on_rejected | on_success
  std::string status;  // succeeded | failed | timed_out | not_started | cancelled
  std::optional<int64_t> exit_code;
  std::optional<int64_t> signal;
  std::optional<std::string> message;  // why it failed ("exit code 1", "timed out after 30s")
  std::string started_at;
  std::string ended_at;
  int64_t duration_ms = 0;
  std::optional<std::string> log_path;  // workspace-relative
};

struct RunFilter {
  std::optional<std::string> pipeline;
  std::optional<std::string> status;
  int limit = 20;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Records a new run as running (creating its pipeline row if needed), and advances the trigger
  // states that started it in the same transaction (Conflict, and nothing written, when one of
  // them is no longer as expected).
  virtual Status begin_run(const RunRecord& run, const std::vector<TriggerAdvance>& advances) = 0;
  Status begin_run(const RunRecord& run) { return begin_run(run, {}); }
  // Advances trigger states without a run (a first look, or events that start nothing), at
  // `time`; Conflict as above.
  virtual Status advance_triggers(const std::vector<TriggerAdvance>& advances,
                                  const std::string& time) = 0;
  virtual Result<std::vector<TriggerState>> trigger_states(const std::string& pipeline) = 0;
  // Whether an execution of a run of `pipeline` read this version of `path`.
  virtual Result<bool> has_consumed(const std::string& pipeline, const std::string& path,
                                    const std::string& digest) = 0;
  virtual Status finish_run(const std::string& run_id, const std::string& status,
                            const std::string& ended_at) = 0;
  // Records an execution as running; returns its id.
  virtual Result<int64_t> begin_execution(const ExecutionRecord& execution) = 0;
  // Ends an execution and records what it read and wrote and its metrics, in one transaction.
  virtual Status finish_execution(const ExecutionOutcome& outcome) = 0;
  // Writes every item in one transaction, in order: the recorder gathers what a run does for up
  // to 100 ms and writes it at once. Returns the id of each item's execution.
  virtual Result<std::vector<int64_t>> record_batch(const std::vector<ExecutionWrite>& items) = 0;
  // Marks a run whose mlops died, and its running executions, as interrupted. False when the run
  // was no longer running (it ended meanwhile): nothing was changed.
  virtual Result<bool> mark_interrupted(const std::string& run_id, const std::string& ended_at) = 0;
  // Sets a running run's heartbeat_at (nothing when the run is no longer running).
  virtual Status heartbeat(const std::string& run_id, const std::string& at) = 0;
  // "One run of a pipeline at a time" across machines: true when this process now holds the
  // pipeline's lock, false when another process does. A store on one machine needs none (the
  // workspace's lock file does it) and always says true; PostgreSQL takes a session advisory
  // lock, released by unlock_pipeline or when this process's connection ends (it died).
  virtual Result<bool> try_lock_pipeline(const std::string& /*pipeline*/) { return true; }
  virtual void unlock_pipeline(const std::string& /*pipeline*/) {}
  // How long writes wait for another process's lock before failing with Busy (default 30 s).
  // A run waits not at all while stages run, so that recording never stalls scheduling.
  virtual void set_write_wait(std::chrono::milliseconds wait) = 0;
  // Lookups between hold_reads() and release_reads() may share one read transaction (one
  // snapshot, one lock): the executor holds it while it decides the stages that are ready. A
  // write in between ends it first. Holds nest. A store without transactions ignores them.
  virtual void hold_reads() {}
  virtual void release_reads() {}

  // File digests remembered by identity.
  virtual Result<std::optional<FileStat>> find_file_stat(const std::string& path) = 0;
  virtual Status remember_file_stats(const std::vector<FileStat>& stats) = 0;
  // For skipping: the newest succeeded execution of `stage` in `pipeline` with `fingerprint`.
  virtual Result<std::optional<CachedExecution>> find_cached_execution(
      const std::string& pipeline, const std::string& stage, const std::string& fingerprint) = 0;

  // The newest succeeded (run or cached) execution of `stage` in `pipeline`.
  virtual Result<std::optional<ExecutionRecord>> find_latest_success(const std::string& pipeline,
                                                                     const std::string& stage) = 0;

  // The versions a run's succeeded executions wrote (run or restored), newest per path.
  virtual Result<std::vector<ArtifactVersion>> outputs_of_run(const std::string& run_id) = 0;
  // For each path ever written, the version written last by an execution that ended at or
  // before `time` (ISO 8601 UTC).
  virtual Result<std::vector<ArtifactVersion>> outputs_as_of(const std::string& time) = 0;

  // A run with its tags; list_runs reads every listed run's tags in one more query.
  virtual Result<std::optional<RunRecord>> find_run(const std::string& run_id) = 0;
  // Newest first.
  virtual Result<std::vector<RunRecord>> list_runs(const RunFilter& filter) = 0;
  // Ids starting with `prefix`, newest first (at most `limit`).
  virtual Result<std::vector<std::string>> run_ids(const std::string& prefix, int limit) = 0;
  virtual Result<std::vector<ExecutionRecord>> executions_of(const std::string& run_id) = 0;
  // Ids of the runs named `name`, newest first (at most `limit`).
  virtual Result<std::vector<std::string>> runs_named(const std::string& name, int limit) = 0;
  // Sets the tags in `set` (replacing a key's value) and removes the keys in `remove`, in one
  // transaction. NotFound when there is no run `run_id`.
  virtual Status update_run_tags(const std::string& run_id,
                                 const std::map<std::string, std::string>& set,
                                 const std::vector<std::string>& remove) = 0;
  // Sets a run's note, or clears it (nothing). NotFound when there is no run `run_id`.
  virtual Status set_run_note(const std::string& run_id,
                              const std::optional<std::string>& note) = 0;
  // The metrics of several runs (as metrics_of_run, by run then stage and key), in one query:
  // the experiments table reads those of thousands of runs.
  virtual Result<std::vector<MetricRecord>> metrics_of_runs(
      const std::vector<std::string>& run_ids) = 0;
  // Ids of the runs that produced something: at least one execution that ran (not taken from
  // the cache) and succeeded.
  virtual Result<std::set<std::string>> producing_runs() = 0;
  virtual Result<std::optional<ExecutionRecord>> find_execution(int64_t id) = 0;
  // What the executions of a run, or one execution, read and wrote.
  virtual Result<std::vector<EventRecord>> events_of_run(const std::string& run_id) = 0;
  virtual Result<std::vector<EventRecord>> events_of_execution(int64_t execution_id) = 0;
  // Executions that used an artifact version in `direction`, newest first.
  virtual Result<std::vector<ExecutionRecord>> executions_using(int64_t artifact_id,
                                                                const std::string& direction) = 0;
  virtual Result<std::optional<ArtifactRecord>> find_artifact(int64_t id) = 0;
  // Every version of `path`, newest first: the version the newest execution read or wrote comes
  // first (a version written again later, a revert, moves back to the top).
  virtual Result<std::vector<ArtifactRecord>> artifact_history(const std::string& path) = 0;
  // The first of artifact_history(path) alone, without reading the others; nothing when `path`
  // was never recorded.
  virtual Result<std::optional<ArtifactRecord>> newest_artifact(const std::string& path) = 0;
  // The newest version of every path (below `prefix` when given), by path.
  virtual Result<std::vector<ArtifactRecord>> latest_artifacts(const std::string& prefix) = 0;
  virtual Result<std::vector<MetricRecord>> metrics_of_run(const std::string& run_id) = 0;
  // A metric's values in a pipeline, oldest first, each once: from the execution that produced
  // it (ran, not cached), with the runs that reused it from the cache in `reused_in`. A value
  // counts when its run succeeded or a succeeded run reused it.
  virtual Result<std::vector<MetricRecord>> metric_history(const std::string& key,
                                                           const std::string& pipeline) = 0;
  // The pipelines with a run that recorded metric `key`, by name.
  virtual Result<std::vector<std::string>> metric_pipelines(const std::string& key) = 0;

  // The model registry (store/registry_records.hpp, docs/registry.md).
  // A version of `version.model` for these bytes: the existing one when the model already has
  // a version with this digest, else a new one numbered from the model's counter in this write
  // transaction (never MAX()+1); the model is created on its first version. `created` says which.
  virtual Result<ModelVersionRecord> register_model_version(const ModelVersionRecord& version) = 0;
  virtual Result<std::vector<ModelSummary>> list_models() = 0;
  virtual Result<std::optional<ModelSummary>> find_model(const std::string& name) = 0;
  // Versions newest first, at most `limit`, numbered below `before` when given.
  virtual Result<std::vector<ModelVersionRecord>> model_versions(const std::string& name, int limit,
                                                                 std::optional<int64_t> before) = 0;
  virtual Result<std::optional<ModelVersionRecord>> find_model_version(const std::string& name,
                                                                       int64_t version) = 0;
  // The version of `name` whose bytes have `digest` (a materialized copy's lineage).
  virtual Result<std::optional<ModelVersionRecord>> find_model_version_by_digest(
      const std::string& name, const std::string& digest) = 0;
  // The version `alias` points at; nothing when the model or the alias does not exist.
  virtual Result<std::optional<ModelVersionRecord>> resolve_alias(const std::string& name,
                                                                  const std::string& alias) = 0;
  // Moves an alias and appends the move to its history, in one transaction. Conflict ("alias
  // moved concurrently") when expected_current no longer holds; Usage when the version does not
  // exist or (require_passing_gate) has no passing gate result.
  virtual Result<AliasMove> move_alias(const AliasMoveRequest& request) = 0;
  // Records a gate result, and when it passed and `promote` is given, moves that alias in the
  // same transaction (the move names the gate result). Returns the gate result's id.
  virtual Result<int64_t> record_gate(const GateResultRecord& gate,
                                      const std::optional<AliasMoveRequest>& promote) = 0;
  // The newest gate result of a version (of any gate).
  virtual Result<std::optional<GateResultRecord>> latest_gate_result(const std::string& name,
                                                                     int64_t version) = 0;
  // The gate results a run recorded, in order.
  virtual Result<std::vector<GateResultRecord>> gate_results_of_run(const std::string& run_id) = 0;
  // Moves of a model's aliases (of one alias when given), oldest first.
  virtual Result<std::vector<AliasMove>> alias_history(const std::string& name,
                                                       const std::optional<std::string>& alias) = 0;
  // Sets (value) or removes (nothing) a tag of a model (version 0) or of one of its versions.
  virtual Status set_model_tag(const std::string& name, int64_t version, const std::string& key,
                               const std::optional<std::string>& value) = 0;
  virtual Result<std::vector<ModelTag>> model_tags(const std::string& name, int64_t version) = 0;

  // Notification hooks (schema version 11): appended once a hook has ended; read by `show`.
  virtual Status record_hook_execution(const HookExecutionRecord& hook) = 0;
  // A run's hook executions, in the order they ran.
  virtual Result<std::vector<HookExecutionRecord>> hook_executions_of(
      const std::string& run_id) = 0;
  // Metric-trigger evaluations: appended by `trigger check` and `watch`, read by `trigger
  // explain` (newest first, at most `limit`).
  virtual Status record_trigger_evaluations(const std::vector<TriggerEvaluation>& evaluations) = 0;
  virtual Result<std::vector<TriggerEvaluation>> trigger_evaluations(const std::string& pipeline,
                                                                     int limit) = 0;
};

}  // namespace mlops
