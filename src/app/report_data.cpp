#include "app/report_data.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "app/queries.hpp"
#include "dag/graph.hpp"
#include "hash/digest.hpp"
#include "spec/loader.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

std::optional<double> seconds_since(const std::string& start,
                                    const std::optional<std::string>& at) {
  if (!at) {
    return std::nullopt;
  }
  auto difference = iso_difference(start, *at);
  return difference ? std::optional<double>(static_cast<double>(difference->count()) / 1000.0)
                    : std::nullopt;
}

// The stage graph from the pipeline file, if it is the file the run ran (same digest), with
// stages the run did not execute added as "not run". False when the file is gone or changed.
bool edges_from_pipeline_file(const std::filesystem::path& root, ReportData& data) {
  std::filesystem::path file = root / data.run.pipeline_file;
  auto text = read_file(file, 8 * 1024 * 1024);
  if (!text.ok() || digest_bytes(*text).hex() != data.run.pipeline_hash) {
    return false;
  }
  LoadResult loaded = load_pipeline(file, LoadOptions{});
  if (!loaded.pipeline) {
    return false;
  }
  const Pipeline& pipeline = *loaded.pipeline;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < data.stages.size(); ++i) {
    index[data.stages[i].name] = i;
  }
  for (const auto& stage : pipeline.stages) {
    if (!index.count(stage.name)) {
      index[stage.name] = data.stages.size();
      data.stages.push_back(
          {stage.name, "not run", 0, std::nullopt, std::nullopt, "not selected, or not reached"});
    }
  }
  Graph graph = Graph::build(pipeline);
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    for (size_t next : graph.downstream(i)) {
      data.edges.push_back({index[pipeline.stages[i].name], index[pipeline.stages[next].name]});
    }
  }
  data.edges_source = "the pipeline file (" + data.run.pipeline_file + ")";
  return true;
}

// Otherwise: a stage that read what another stage of the run wrote comes after it.
void edges_from_events(ReportData& data) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < data.stages.size(); ++i) {
    index[data.stages[i].name] = i;
  }
  std::map<int64_t, size_t> producer;
  for (const auto& event : data.events) {
    if (event.direction == "output" && index.count(event.stage)) {
      producer[event.artifact.id] = index[event.stage];
    }
  }
  for (const auto& event : data.events) {
    auto from = producer.find(event.artifact.id);
    if (event.direction == "input" && from != producer.end() && index.count(event.stage)) {
      ReportEdge edge{from->second, index[event.stage]};
      bool known = std::any_of(data.edges.begin(), data.edges.end(), [&](const ReportEdge& e) {
        return e.from == edge.from && e.to == edge.to;
      });
      if (!known && edge.from != edge.to) {
        data.edges.push_back(edge);
      }
    }
  }
  data.edges_source =
      "the artifacts the stages read and wrote (the pipeline file has changed "
      "since this run)";
}

// One row per stage: its last attempt.
void add_stages(const std::vector<ExecutionRecord>& executions, ReportData& data) {
  std::map<std::string, size_t> index;
  for (const auto& execution : executions) {  // attempts in order: the last one wins
    auto it = index.find(execution.stage);
    if (it == index.end()) {
      it = index.emplace(execution.stage, data.stages.size()).first;
      data.stages.emplace_back();
    }
    ReportStage& stage = data.stages[it->second];
    stage.name = execution.stage;
    stage.status = execution.cached ? "cached" : execution.status;
    stage.attempts = execution.cached ? 0 : execution.attempt;
    if (!stage.start_seconds) {
      stage.start_seconds = seconds_since(data.run.started_at, execution.started_at);
    }
    stage.end_seconds = seconds_since(data.run.started_at, execution.ended_at);
    stage.note = execution.message.value_or(execution.exit_code && *execution.exit_code != 0
                                                ? fmt::format("exit code {}", *execution.exit_code)
                                                : "");
  }
}

}  // namespace

Result<ReportData> gather_report_data(MetadataStore& store, const std::filesystem::path& root,
                                      const std::string& run_id) {
  ReportData data;
  MLOPS_TRY(run, store.find_run(run_id));
  if (!*run) {
    return Error(ErrorKind::NotFound, "no run " + run_id);
  }
  data.run = **run;
  MLOPS_TRY(executions, store.executions_of(run_id));
  add_stages(*executions, data);
  MLOPS_TRY(events, store.events_of_run(run_id));
  data.events = std::move(*events);
  if (!edges_from_pipeline_file(root, data)) {
    edges_from_events(data);
  }
  MLOPS_TRY(gates, store.gate_results_of_run(run_id));
  data.gates = std::move(*gates);
  MLOPS_TRY(metrics, compare_metrics(store, data.run));
  data.metrics = std::move(*metrics);
  for (const auto& metric : data.metrics.current) {
    MLOPS_TRY(history, store.metric_history(metric.key, data.run.pipeline));
    auto& series = data.history[metric.stage + ": " + metric.key];
    for (const auto& value : *history) {
      if (value.stage == metric.stage) {
        series.push_back(value);
      }
    }
  }
  return data;
}

}  // namespace mlops
