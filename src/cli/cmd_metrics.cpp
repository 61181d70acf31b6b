// mlops metrics RUN [RUN...] and mlops metrics history KEY --pipeline P. The runs' metrics are
// gathered by app/queries' metric_table; this file formats them.
#include <unistd.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/text_table.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

// ▁▂▃▄▅▆▇█ scaled between the smallest and largest value.
std::string sparkline(const std::vector<double>& values) {
  static const char* const k_bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (values.empty()) {
    return "";
  }
  auto [low, high] = std::minmax_element(values.begin(), values.end());
  std::string line;
  for (double value : values) {
    size_t level =
        *high > *low ? static_cast<size_t>((value - *low) / (*high - *low) * 7.0 + 0.5) : 3;
    line += k_bars[std::min<size_t>(level, 7)];
  }
  return line;
}

}  // namespace

int metrics_command(const MetricsCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto metrics = metric_table(*space->store(), command.runs);
  if (!metrics.ok()) {
    return report_query_error(metrics.error());
  }
  const std::vector<std::string>& ids = metrics->run_ids;
  const auto& table = metrics->values;
  if (command.query.json) {
    nlohmann::json document = {{"runs", ids}, {"metrics", nlohmann::json::object()}};
    for (const auto& [key, values] : table) {
      nlohmann::json row = nlohmann::json::object();
      for (const auto& [run, value] : values) {
        row[run] = value;
      }
      document["metrics"][key] = row;
    }
    write_all(1, json_text(document, 2) + "\n");
    return k_exit_success;
  }
  std::vector<std::string> headers = {"METRIC"};
  headers.insert(headers.end(), ids.begin(), ids.end());
  TextTable text(headers);
  for (const auto& [key, values] : table) {
    std::vector<std::string> row = {key};
    auto base = values.find(ids.front());
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = values.find(ids[i]);
      if (it == values.end()) {
        row.push_back("-");
        continue;
      }
      std::string cell = format_number(it->second);
      if (i > 0 && base != values.end()) {
        cell += fmt::format(" ({:+g})", it->second - base->second);
      }
      row.push_back(cell);
    }
    text.add(row);
  }
  write_all(1, text.empty() ? "no metrics recorded for these runs\n" : text.render());
  return k_exit_success;
}

int metrics_history_command(const MetricsHistoryCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  std::string pipeline = command.pipeline;
  if (pipeline.empty()) {
    auto only = pipeline_of_metric(*space->store(), command.key);
    if (!only.ok())
      return report_query_error(only.error());
    pipeline = *only;
  }
  auto history = space->store()->metric_history(command.key, pipeline);
  if (!history.ok()) {
    return report_query_error(history.error());
  }
  if (command.query.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& point : *history) {
      list.push_back({{"run", point.run_id},
                      {"stage", point.stage},
                      {"value", point.value},
                      {"reused_in", point.reused_in}});
    }
    write_all(
        1, json_text(nlohmann::json{{"key", command.key}, {"pipeline", pipeline}, {"values", list}},
                     2) +
               "\n");
    return k_exit_success;
  }
  if (history->empty()) {
    write_all(1, fmt::format("no succeeded run of '{}' recorded '{}'\n", pipeline, command.key));
    return k_exit_success;
  }
  std::vector<std::string> headers = {"RUN", "STAGE", command.key};
  if (command.reused) {
    headers.push_back("REUSED IN");
  }
  TextTable text(headers);
  std::vector<double> values;
  for (const auto& point : *history) {
    std::vector<std::string> row = {point.run_id, point.stage, format_number(point.value)};
    if (command.reused) {
      row.push_back(point.reused_in.empty() ? "-" : join(point.reused_in, " "));
    }
    text.add(row);
    values.push_back(point.value);
  }
  std::string out = text.render();
  if (::isatty(1) != 0) {
    out += sparkline(values) + "\n";
  }
  write_all(1, out);
  return k_exit_success;
}

}  // namespace mlops
