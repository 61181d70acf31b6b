#include "app/report_data.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "app/experiments.hpp"
#include "app/log_tail.hpp"
#include "app/pipeline_loading.hpp"
#include "app/queries.hpp"
#include "app/run_plots.hpp"
#include "dag/graph.hpp"
#include "hash/digest.hpp"
#include "spec/loader.hpp"
#include "util/file_io.hpp"
#include "util/strings.hpp"
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
  auto recorded = recorded_pipeline_file(root, data.run.pipeline_file);
  if (!recorded) {
    return false;
  }
  const std::filesystem::path& file = *recorded;
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

// Why a failed execution failed: its exit code or signal, the runner's message (a timeout), and
// the attempts made when it was retried.
std::string exit_reason(const ExecutionRecord& execution) {
  std::vector<std::string> parts;
  if (execution.signal && *execution.signal > 0) {
    const char* name = sigabbrev_np(static_cast<int>(*execution.signal));
    parts.push_back(name ? fmt::format("killed by signal {} (SIG{})", *execution.signal, name)
                         : fmt::format("killed by signal {}", *execution.signal));
  } else if (execution.exit_code) {
    parts.push_back(fmt::format("exit code {}", *execution.exit_code));
  }
  if (execution.message && !execution.message->empty() &&
      *execution.message != fmt::format("exit code {}", execution.exit_code.value_or(0))) {
    parts.push_back(*execution.message);
  }
  if (execution.attempt > 1) {
    parts.push_back(
        fmt::format("on attempt {} ({} retries)", execution.attempt, execution.attempt - 1));
  }
  return parts.empty() ? std::string("failed") : join(parts, "; ");
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
    stage.exit_reason = execution.status == "failed" ? exit_reason(execution) : "";
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

namespace {

constexpr size_t k_log_tail_lines = 50;
constexpr size_t k_log_tail_bytes = 64 * 1024;

// The last k_log_tail_lines lines of `text`.
std::string last_lines(const std::string& text) {
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n') {
    --end;
  }
  size_t at = end;
  for (size_t lines = 0; at > 0 && lines < k_log_tail_lines; ++lines) {
    size_t newline = text.rfind('\n', at - 1);
    at = newline == std::string::npos ? 0 : newline;
  }
  return text.substr(at == 0 ? 0 : at + 1, end - (at == 0 ? 0 : at + 1));
}

// The values of the `env:` entries of every stage of the pipeline file, when it still loads:
// docs/security.md promises they never reach a report, even when a stage prints them.
std::vector<std::string> declared_env_values(const Pipeline* pipeline) {
  std::vector<std::string> values = secret_environment_values();
  if (pipeline != nullptr) {
    std::vector<std::string> declared = pipeline_env_values(*pipeline);
    values.insert(values.end(), declared.begin(), declared.end());
  }
  return values;
}

void add_log_tails(const Workspace& workspace, const std::vector<ExecutionRecord>& executions,
                   const Pipeline* pipeline, ReportData& data) {
  std::vector<std::string> secrets = declared_env_values(pipeline);
  for (ReportStage& stage : data.stages) {
    if (stage.status != "failed") {
      continue;
    }
    auto last = std::find_if(executions.rbegin(), executions.rend(),
                             [&](const ExecutionRecord& e) { return e.stage == stage.name; });
    if (last == executions.rend()) {
      continue;
    }
    auto tail = log_tail(workspace, *last, k_log_tail_bytes);
    if (!tail.ok()) {
      stage.log_problem = tail.error().message();
    } else if (tail->empty()) {
      stage.log_problem = last->log_path ? "the log is empty" : "no log was recorded";
    } else {
      stage.log_tail = last_lines(redact_values(std::move(*tail), secrets));
    }
  }
}

// The run's params as recorded, with where each comes from in the pipeline file now.
Status add_params(MetadataStore& store, const Pipeline* pipeline, ReportData& data) {
  MLOPS_TRY(rows, experiment_rows(store, {data.run}));
  if (rows->empty()) {
    return Status::success();
  }
  for (const auto& [key, value] : rows->front().params) {
    ReportParam param{key, value, "", ""};
    if (pipeline != nullptr) {
      auto file = pipeline->param_file_of.find(key);
      auto declared = pipeline->params.find(key);
      param.origin = file != pipeline->param_file_of.end() ? file->second
                     : declared != pipeline->params.end()  ? "the pipeline's values"
                                                           : "";
      if (declared != pipeline->params.end() && declared->second.text != value) {
        param.now = declared->second.text;
      }
    }
    data.params.push_back(std::move(param));
  }
  return Status::success();
}

}  // namespace

Result<ReportData> gather_report_data(Workspace& workspace, const std::string& run_id) {
  MLOPS_TRY(data, gather_report_data(*workspace.store(), workspace.root(), run_id));
  std::optional<Pipeline> pipeline;
  if (auto file = recorded_pipeline_file(workspace.root(), data->run.pipeline_file)) {
    pipeline = load_pipeline(*file, LoadOptions{}).pipeline;
  }
  const Pipeline* current = pipeline ? &*pipeline : nullptr;
  MLOPS_TRY(executions, workspace.store()->executions_of(run_id));
  add_log_tails(workspace, *executions, current, *data);
  MLOPS_CHECK(add_params(*workspace.store(), current, *data));
  MLOPS_TRY(plots, gather_run_plots(*workspace.store(), workspace.objects(), workspace.root(),
                                    {data->run}));
  data->plots = std::move(*plots);
  return data;
}

}  // namespace mlops
