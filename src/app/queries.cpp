#include "app/queries.hpp"
#include "util/json_text.hpp"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mlops {

Result<Workspace> open_query_workspace(const std::optional<std::filesystem::path>& store_flag) {
  return Workspace::open(current_workspace(), store_flag, StoreMode::Existing);
}

Result<std::string> pipeline_of_metric(MetadataStore& store, const std::string& key) {
  MLOPS_TRY(names, store.metric_pipelines(key));
  if (names->empty()) {
    return Error(ErrorKind::NotFound, fmt::format("no run recorded metric '{}' (`mlops metrics "
                                                  "RUN` lists a run's metrics)",
                                                  key));
  }
  if (names->size() > 1) {
    std::string listed;
    for (const std::string& name : *names)
      listed += (listed.empty() ? "" : ", ") + name;
    return Error(ErrorKind::Usage,
                 fmt::format("metric '{}' was recorded by several pipelines ({}): name one with "
                             "--pipeline",
                             key, listed));
  }
  return names->front();
}

Result<std::string> resolve_run(MetadataStore& store, const std::string& name) {
  if (name == "latest" || name.starts_with("latest~")) {
    int back = 0;
    if (name != "latest") {
      std::string number = name.substr(7);
      if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos ||
          number.size() > 6) {
        return Error(ErrorKind::Usage, fmt::format("'{}': write latest or latest~N, such as "
                                                   "latest~1 for the run before the latest",
                                                   name));
      }
      back = std::stoi(number);
    }
    MLOPS_TRY(runs, store.list_runs({std::nullopt, std::nullopt, back + 1}));
    if (static_cast<int>(runs->size()) <= back) {
      return Error(ErrorKind::NotFound, fmt::format("'{}': the store has only {} run{}", name,
                                                    runs->size(), runs->size() == 1 ? "" : "s"));
    }
    return (*runs)[static_cast<size_t>(back)].id;
  }
  MLOPS_TRY(exact, store.find_run(name));
  if (exact->has_value()) {
    return name;  // a full id, even if it is also the prefix of others
  }
  MLOPS_TRY(named, store.runs_named(name, 6));
  if (named->size() == 1) {
    return named->front();
  }
  if (named->size() > 1) {
    std::string list;
    for (size_t i = 0; i < std::min<size_t>(named->size(), 5); ++i) {
      list += (i ? ", " : "") + (*named)[i];
    }
    return Error(ErrorKind::Usage, fmt::format("several runs are named '{}' ({}{}); give an id",
                                               name, list, named->size() > 5 ? ", ..." : ""));
  }
  MLOPS_TRY(ids, store.run_ids(name, 6));
  if (ids->empty()) {
    return Error(ErrorKind::NotFound,
                 fmt::format("no run '{}' in the store; `mlops runs` lists them", name));
  }
  if (ids->size() > 1 && (*ids)[0] != name) {
    std::string list;
    for (size_t i = 0; i < std::min<size_t>(ids->size(), 5); ++i) {
      list += (i ? ", " : "") + (*ids)[i];
    }
    return Error(ErrorKind::Usage, fmt::format("'{}' matches several runs ({}{}); give more of "
                                               "the id",
                                               name, list, ids->size() > 5 ? ", ..." : ""));
  }
  return (*ids)[0];
}

Result<MetricComparison> compare_metrics(MetadataStore& store, const RunRecord& run) {
  MetricComparison comparison;
  MLOPS_TRY(current, store.metrics_of_run(run.id));
  comparison.current = std::move(*current);
  MLOPS_TRY(runs, store.list_runs({run.pipeline, "succeeded", 50}));
  for (const auto& other : *runs) {  // newest first
    if (other.id != run.id && other.started_at < run.started_at) {
      comparison.previous_run = other.id;
      MLOPS_TRY(previous, store.metrics_of_run(other.id));
      comparison.previous = std::move(*previous);
      break;
    }
  }
  return comparison;
}

namespace {

using NamedValues = std::map<std::string, std::string>;

void flatten(const nlohmann::json& value, const std::string& key, NamedValues& out) {
  if (value.is_object()) {
    for (const auto& [name, child] : value.items()) {
      flatten(child, key.empty() ? name : key + "." + name, out);
    }
  } else if (!value.is_discarded()) {
    out[key] = value.is_string() ? value.get<std::string>() : json_text(value);
  }
}

// What can differ of one run, by kind.
struct RunFacts {
  NamedValues git, params, outputs, metrics;
};

Result<RunFacts> facts_of(MetadataStore& store, const std::string& id) {
  auto run = store.find_run(id);
  auto versions = store.outputs_of_run(id);
  auto values = store.metrics_of_run(id);
  if (!run.ok() || !run->has_value() || !versions.ok() || !values.ok()) {
    return Error(ErrorKind::Io, "cannot read run " + id);
  }
  const RunRecord& record = **run;
  RunFacts facts;
  facts.git["commit"] = record.git_commit.value_or("-");
  facts.git["dirty"] = record.git_dirty ? (*record.git_dirty ? "yes" : "no") : "-";
  flatten(nlohmann::json::parse(record.params_json, nullptr, false), "", facts.params);
  for (const auto& version : *versions) {
    facts.outputs[version.path] = version.digest;
  }
  for (const auto& metric : *values) {
    facts.metrics[metric.stage + ": " + metric.key] = fmt::format("{:g}", metric.value);
  }
  return facts;
}

void add_differences(const char* kind, const NamedValues& a, const NamedValues& b,
                     std::vector<RunDifference>& out) {
  std::map<std::string, int> names;
  for (const auto& [name, value] : a) {
    names[name] |= 1;
  }
  for (const auto& [name, value] : b) {
    names[name] |= 2;
  }
  for (const auto& [name, where] : names) {
    auto before = where & 1 ? std::optional<std::string>(a.at(name)) : std::nullopt;
    auto after = where & 2 ? std::optional<std::string>(b.at(name)) : std::nullopt;
    if (before != after) {
      out.push_back({kind, name, before, after});
    }
  }
}

}  // namespace

Result<RunDetails> run_details(MetadataStore& store, const std::string& run_id) {
  RunDetails details;
  MLOPS_TRY(run, store.find_run(run_id));
  if (!run->has_value()) {
    return Error(ErrorKind::NotFound, "no run " + run_id);
  }
  details.run = **run;
  MLOPS_TRY(executions, store.executions_of(run_id));
  details.executions = std::move(*executions);
  MLOPS_TRY(events, store.events_of_run(run_id));
  details.events = std::move(*events);
  MLOPS_TRY(metrics, store.metrics_of_run(run_id));
  details.metrics = std::move(*metrics);
  MLOPS_TRY(hooks, store.hook_executions_of(run_id));
  details.hooks = std::move(*hooks);
  return details;
}

Result<RunDiff> diff_runs(MetadataStore& store, const std::string& first,
                          const std::string& second) {
  RunDiff diff;
  MLOPS_TRY(first_id, resolve_run(store, first));
  MLOPS_TRY(second_id, resolve_run(store, second));
  diff.first = *first_id;
  diff.second = *second_id;
  MLOPS_TRY(a, facts_of(store, diff.first));
  MLOPS_TRY(b, facts_of(store, diff.second));
  add_differences("git", a->git, b->git, diff.differences);
  add_differences("param", a->params, b->params, diff.differences);
  add_differences("output", a->outputs, b->outputs, diff.differences);
  add_differences("metric", a->metrics, b->metrics, diff.differences);
  return diff;
}

Result<MetricTable> metric_table(MetadataStore& store, const std::vector<std::string>& names) {
  MetricTable table;
  for (const auto& name : names) {
    MLOPS_TRY(id, resolve_run(store, name));
    MLOPS_TRY(metrics, store.metrics_of_run(*id));
    table.run_ids.push_back(*id);
    for (const auto& metric : *metrics) {
      table.values[metric.stage + ": " + metric.key][*id] = metric.value;
    }
  }
  return table;
}

}  // namespace mlops
