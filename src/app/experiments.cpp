#include "app/experiments.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/json_text.hpp"

namespace mlops {
namespace {

constexpr const char* k_fields =
    "id, name, pipeline, status, cause, started_at, commit, note, tags, tag:KEY, params.KEY or "
    "metrics.KEY";
constexpr const char* k_filter_forms =
    "write FIELD OP VALUE with OP one of = != < <= > >= ~ (contains), such as "
    "'metrics.auc>0.8', 'params.lr=0.1', 'tag:team=churn' or 'name~exp'";
constexpr const char* k_plain_fields[] = {"id",         "name",   "pipeline", "status", "cause",
                                          "started_at", "commit", "note",     "tags"};

std::optional<double> number(const std::string& text) {
  if (text.empty() || text.size() > 64 || std::isspace(static_cast<unsigned char>(text[0]))) {
    return std::nullopt;
  }
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

void flatten(const nlohmann::json& value, const std::string& key,
             std::map<std::string, std::string>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [name, child] : value.items()) {
      flatten(child, key.empty() ? name : key + "." + name, out);
    }
  } else if (!key.empty()) {
    out[key] = value.is_string() ? value.get<std::string>() : json_text(value);
  }
}

std::string tags_text(const RunRecord& run) {
  std::string text;
  for (const auto& [key, value] : run.tags) {
    text += (text.empty() ? "" : ",") + key + "=" + value;
  }
  return text;
}

std::optional<std::string> plain_cell(const RunRecord& run, const std::string& field) {
  if (field == "id")
    return run.id;
  if (field == "name")
    return run.name;
  if (field == "pipeline")
    return run.pipeline;
  if (field == "status")
    return run.status;
  if (field == "cause")
    return run.cause;
  if (field == "started_at")
    return run.started_at;
  if (field == "commit")
    return run.git_commit;
  if (field == "note")
    return run.note;
  return run.tags.empty() ? std::nullopt : std::optional(tags_text(run));  // tags
}

// -1, 0, 1; numbers before text.
int compare_values(const std::string& a, const std::string& b) {
  auto x = number(a);
  auto y = number(b);
  if (x && y) {
    return *x < *y ? -1 : *x > *y ? 1 : 0;
  }
  if (x || y) {
    return x ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

bool matches(const ExperimentRow& row, const ExperimentFilter& filter) {
  auto cell = experiment_cell(row, filter.field);
  if (!cell) {
    return false;
  }
  if (filter.op == "~") {
    return cell->find(filter.value) != std::string::npos;
  }
  if (filter.op == "=" || filter.op == "!=") {
    auto x = number(*cell);
    auto y = number(filter.value);
    bool equal = x && y ? *x == *y : *cell == filter.value;
    return equal == (filter.op == "=");
  }
  auto x = number(*cell);
  if (!x) {
    return false;
  }
  double y = *number(filter.value);  // checked when parsed
  return filter.op == "<"    ? *x < y
         : filter.op == "<=" ? *x <= y
         : filter.op == ">"  ? *x > y
                             : *x >= y;
}

}  // namespace

Status check_experiment_field(const std::string& field) {
  for (const char* plain : k_plain_fields) {
    if (field == plain) {
      return Status::success();
    }
  }
  for (const char* prefix : {"tag:", "tags.", "params.", "metrics."}) {
    if (field.starts_with(prefix) && field.size() > std::string(prefix).size()) {
      return Status::success();
    }
  }
  return Error(ErrorKind::Usage,
               fmt::format("unknown field '{}': write {}", field.substr(0, 80), k_fields));
}

Result<ExperimentFilter> parse_experiment_filter(const std::string& text) {
  size_t at = text.find_first_of("=!<>~");
  if (at == std::string::npos || at == 0) {
    return Error(ErrorKind::Usage,
                 fmt::format("invalid filter '{}': {}", text.substr(0, 80), k_filter_forms));
  }
  ExperimentFilter filter;
  filter.field = text.substr(0, at);
  while (!filter.field.empty() && filter.field.back() == ' ') {
    filter.field.pop_back();
  }
  for (const char* op : {"!=", "<=", ">=", "==", "=", "<", ">", "~"}) {
    if (text.compare(at, std::string(op).size(), op) == 0) {
      filter.op = std::string(op) == "==" ? "=" : op;
      filter.value = text.substr(at + std::string(op).size());
      break;
    }
  }
  if (filter.op.empty()) {  // a lone '!'
    return Error(ErrorKind::Usage,
                 fmt::format("invalid filter '{}': {}", text.substr(0, 80), k_filter_forms));
  }
  size_t first = filter.value.find_first_not_of(' ');
  filter.value = first == std::string::npos ? "" : filter.value.substr(first);
  if (Status field = check_experiment_field(filter.field); !field.ok()) {
    return Error(ErrorKind::Usage, fmt::format("invalid filter '{}': {}", text.substr(0, 80),
                                               field.error().message()));
  }
  bool ordering = filter.op != "=" && filter.op != "!=" && filter.op != "~";
  if (ordering && !number(filter.value)) {
    return Error(ErrorKind::Usage,
                 fmt::format("invalid filter '{}': '{}' compares numbers, and '{}' is not one",
                             text.substr(0, 80), filter.op, filter.value.substr(0, 40)));
  }
  return filter;
}

std::optional<std::string> experiment_cell(const ExperimentRow& row, const std::string& field) {
  auto after = [&](const char* prefix) { return field.substr(std::string(prefix).size()); };
  if (field.starts_with("params.")) {
    auto it = row.params.find(after("params."));
    return it == row.params.end() ? std::nullopt : std::optional(it->second);
  }
  if (field.starts_with("metrics.")) {
    auto it = row.metrics.find(after("metrics."));
    return it == row.metrics.end() ? std::nullopt : std::optional(fmt::format("{}", it->second));
  }
  if (field.starts_with("tag:") || field.starts_with("tags.")) {
    auto it = row.run.tags.find(after(field.starts_with("tag:") ? "tag:" : "tags."));
    return it == row.run.tags.end() ? std::nullopt : std::optional(it->second);
  }
  return plain_cell(row.run, field);
}

Result<std::vector<ExperimentRow>> experiment_rows(MetadataStore& store,
                                                   std::vector<RunRecord> runs) {
  std::vector<ExperimentRow> rows;
  rows.reserve(runs.size());
  std::vector<std::string> ids;
  std::map<std::string, size_t> index;
  for (RunRecord& run : runs) {
    ExperimentRow row;
    flatten(nlohmann::json::parse(run.params_json, nullptr, false), "", row.params);
    ids.push_back(run.id);
    index[run.id] = rows.size();
    row.run = std::move(run);
    rows.push_back(std::move(row));
  }
  MLOPS_TRY(metrics, store.metrics_of_runs(ids));
  std::map<std::pair<size_t, std::string>, int64_t> recorded_by;  // the execution that won
  for (const MetricRecord& metric : *metrics) {
    size_t at = index.at(metric.run_id);
    int64_t& by = recorded_by[{at, metric.key}];
    if (metric.execution_id >= by) {
      by = metric.execution_id;
      rows[at].metrics[metric.key] = metric.value;
    }
  }
  return rows;
}

namespace {

// Every run the query could show, with its params and metrics.
Result<std::vector<ExperimentRow>> load_rows(MetadataStore& store, const ExperimentQuery& query,
                                             bool everything) {
  int limit = everything || query.limit == 0 ? std::numeric_limits<int>::max() : query.limit;
  MLOPS_TRY(runs, store.list_runs({query.pipeline, query.status, limit}));
  return experiment_rows(store, std::move(*runs));
}

void sort_rows(std::vector<ExperimentRow>& rows, const std::string& sort) {
  bool descending = sort.starts_with('-');
  std::string field = descending ? sort.substr(1) : sort;
  std::stable_sort(rows.begin(), rows.end(), [&](const ExperimentRow& a, const ExperimentRow& b) {
    auto x = experiment_cell(a, field);
    auto y = experiment_cell(b, field);
    if (!x || !y) {
      return x.has_value() && !y.has_value();  // missing values last
    }
    int order = compare_values(*x, *y);
    return descending ? order > 0 : order < 0;
  });
}

std::vector<std::string> default_columns(const ExperimentQuery& query,
                                         const std::vector<ExperimentRow>& rows) {
  std::vector<std::string> columns = {"id", "name", "status", "tags"};
  std::set<std::string> params, metrics;
  for (const ExperimentRow& row : rows) {
    for (const auto& [key, value] : row.params) {
      params.insert("params." + key);
    }
    for (const auto& [key, value] : row.metrics) {
      metrics.insert("metrics." + key);
    }
  }
  if (query.params) {
    columns.insert(columns.end(), params.begin(), params.end());
  }
  if (query.metrics) {
    columns.insert(columns.end(), metrics.begin(), metrics.end());
  }
  return columns;
}

}  // namespace

Result<ExperimentTable> experiment_table(MetadataStore& store, const ExperimentQuery& query) {
  std::vector<ExperimentFilter> filters;
  for (const std::string& text : query.filters) {
    MLOPS_TRY(filter, parse_experiment_filter(text));
    filters.push_back(std::move(*filter));
  }
  if (query.sort) {
    MLOPS_CHECK(
        check_experiment_field(query.sort->starts_with('-') ? query.sort->substr(1) : *query.sort));
  }
  for (const std::string& column : query.columns) {
    MLOPS_CHECK(check_experiment_field(column));
  }
  MLOPS_TRY(rows, load_rows(store, query, !filters.empty() || query.sort.has_value()));
  ExperimentTable table;
  for (ExperimentRow& row : *rows) {
    if (std::all_of(filters.begin(), filters.end(),
                    [&](const ExperimentFilter& filter) { return matches(row, filter); })) {
      table.rows.push_back(std::move(row));
    }
  }
  if (query.sort) {
    sort_rows(table.rows, *query.sort);
  }
  if (query.limit > 0 && table.rows.size() > static_cast<size_t>(query.limit)) {
    table.rows.resize(static_cast<size_t>(query.limit));
  }
  table.columns = query.columns.empty() ? default_columns(query, table.rows) : query.columns;
  for (const std::string& column : table.columns) {
    if (!column.starts_with("params.") && !column.starts_with("metrics.")) {
      continue;  // ids and times always differ: not what an experiment changed
    }
    for (const ExperimentRow& row : table.rows) {
      if (experiment_cell(row, column) != experiment_cell(table.rows.front(), column)) {
        table.changed.insert(column);
        break;
      }
    }
  }
  return table;
}

}  // namespace mlops
