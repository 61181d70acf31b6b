// Questions front ends ask of a workspace's store: which run a name means, how a run's metrics
// compare with the previous good run, a run in full, what differs between two runs, several
// runs' metrics side by side. Pure reads: nothing printed, nothing written.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/workspace.hpp"
#include "report/report_data.hpp"
#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// The workspace of the current directory with its existing store (a query needs one).
// NotFound when there is no store yet, Io when it cannot be opened (workspace.hpp).
Result<Workspace> open_query_workspace(const std::optional<std::filesystem::path>& store_flag);

// A run named by its full id, a unique prefix, `latest` or `latest~N` (N runs before the
// latest), or the name it was given (`run --name`; ids start with a digit, names with a letter).
// Usage when the name is malformed or ambiguous (several runs have that name or id prefix: the
// message lists what matched), NotFound when nothing matches.
Result<std::string> resolve_run(MetadataStore& store, const std::string& name);

// The pipeline whose history of metric `key` to show when none was named: the one pipeline
// that recorded it. NotFound when none did; Usage, naming them, when several did.
Result<std::string> pipeline_of_metric(MetadataStore& store, const std::string& key);

// A run's metrics and those of the previous succeeded run of its pipeline (started before it).
Result<MetricComparison> compare_metrics(MetadataStore& store, const RunRecord& run);

// A run with everything recorded about it.
struct RunDetails {
  RunRecord run;
  std::vector<ExecutionRecord> executions;  // in order, every attempt
  std::vector<EventRecord> events;          // artifacts read and written
  std::vector<MetricRecord> metrics;
  std::vector<HookExecutionRecord> hooks;  // notification hooks that ran after it
};

// NotFound when there is no run `run_id`; Io when the store cannot be read.
Result<RunDetails> run_details(MetadataStore& store, const std::string& run_id);

// One thing that differs between two runs. `before`/`after` are nothing where a run lacks it.
struct RunDifference {
  std::string kind;  // git, param, output (values are digests), metric
  std::string name;  // "commit"/"dirty", a param key (nested keys joined by '.'), a path,
                     // "STAGE: KEY"
  std::optional<std::string> before;
  std::optional<std::string> after;
};

struct RunDiff {
  std::string first;  // the run ids the names resolved to
  std::string second;
  std::vector<RunDifference> differences;  // git, then params, outputs, metrics; by name
};

// What resolve_run returns for a bad name; Io when a run cannot be read.
Result<RunDiff> diff_runs(MetadataStore& store, const std::string& first,
                          const std::string& second);

// Several runs' metrics side by side.
struct MetricTable {
  std::vector<std::string> run_ids;  // in the order named
  // "STAGE: KEY" -> run id -> value
  std::map<std::string, std::map<std::string, double>> values;
};

// What resolve_run returns for a bad name; Io when the store cannot be read.
Result<MetricTable> metric_table(MetadataStore& store, const std::vector<std::string>& names);

}  // namespace mlops
