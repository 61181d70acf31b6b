#include "app/experiments_json.hpp"

#include "app/record_json.hpp"

namespace mlops {
namespace {

template <typename T>
nlohmann::json values_json(const ValuesByRun<T>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& value : values) {
    list.push_back(value ? nlohmann::json(*value) : nlohmann::json());
  }
  return list;
}

// The notification hooks that ran after the run ("hooks").
nlohmann::json hooks_json(const std::vector<HookExecutionRecord>& hooks) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& hook : hooks) {
    list.push_back({{"hook", hook.hook},
                    {"status", hook.status},
                    {"exit_code", hook.exit_code ? nlohmann::json(*hook.exit_code) : nullptr},
                    {"signal", hook.signal ? nlohmann::json(*hook.signal) : nullptr},
                    {"message", hook.message ? nlohmann::json(*hook.message) : nullptr},
                    {"started_at", hook.started_at},
                    {"ended_at", hook.ended_at},
                    {"duration_ms", hook.duration_ms},
                    {"log", hook.log_path ? nlohmann::json(*hook.log_path) : nullptr}});
  }
  return list;
}

}  // namespace

nlohmann::ordered_json experiment_table_json(const ExperimentTable& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const ExperimentRow& row : table.rows) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    for (const std::string& column : table.columns) {
      auto metric =
          column.starts_with("metrics.") ? row.metrics.find(column.substr(8)) : row.metrics.end();
      auto cell = experiment_cell(row, column);
      item[column] = metric != row.metrics.end() ? nlohmann::ordered_json(metric->second)
                     : cell                      ? nlohmann::ordered_json(*cell)
                                                 : nlohmann::ordered_json();
    }
    rows.push_back(std::move(item));
  }
  return rows;
}

nlohmann::json comparison_json(const RunComparison& comparison) {
  nlohmann::json document = {{"runs", nlohmann::json::array()}};
  for (const RunRecord& run : comparison.runs) {
    document["runs"].push_back(run_json(run));
  }
  for (const auto& [kind, fields] :
       {std::pair{"params", &comparison.params}, std::pair{"outputs", &comparison.outputs}}) {
    document[kind] = nlohmann::json::object();
    for (const auto& [name, values] : *fields) {
      bool changed = false;
      for (size_t i = 1; i < values.size(); ++i) {
        changed = changed || differs(values, i);
      }
      document[kind][name] = {{"values", values_json(values)}, {"changed", changed}};
    }
  }
  document["metrics"] = nlohmann::json::object();
  for (const auto& [key, values] : comparison.metrics) {
    nlohmann::json deltas = nlohmann::json::array();
    for (const auto& value : values) {
      deltas.push_back(value && values[0] ? nlohmann::json(*value - *values[0]) : nlohmann::json());
    }
    document["metrics"][key] = {{"values", values_json(values)}, {"deltas", deltas}};
  }
  return document;
}

nlohmann::json run_details_json(const RunDetails& details) {
  const auto& executions = details.executions;
  const auto& events = details.events;
  const auto& metrics = details.metrics;
  nlohmann::json document = run_json(details.run);
  document["executions"] = nlohmann::json::array();
  for (const auto& execution : executions) {
    nlohmann::json item = execution_json(execution);
    item["inputs"] = nlohmann::json::array();
    item["outputs"] = nlohmann::json::array();
    for (const auto& event : events) {
      if (event.execution_id == execution.id) {
        item[event.direction == "input" ? "inputs" : "outputs"].push_back(
            artifact_json(event.artifact));
      }
    }
    item["metrics"] = nlohmann::json::object();
    for (const auto& metric : metrics) {
      if (metric.execution_id == execution.id) {
        item["metrics"][metric.key] = metric.value;
      }
    }
    document["executions"].push_back(item);
  }
  document["hooks"] = hooks_json(details.hooks);
  return document;
}

}  // namespace mlops
