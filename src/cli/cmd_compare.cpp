// mlops compare RUN RUN [RUN...]: runs side by side (app/compare.hpp), as text or JSON.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/compare.hpp"
#include "app/experiments_json.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/text_table.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

std::string run_label(const RunRecord& run) {
  return run.name ? run.id + " (" + printable(*run.name) + ")" : run.id;
}

// A row per field: its value in each run, " *" where it differs from the first run.
TextTable string_table(const char* title, const RunComparison& comparison,
                       const std::map<std::string, ValuesByRun<std::string>>& fields,
                       bool digests) {
  std::vector<std::string> headers = {title};
  for (const RunRecord& run : comparison.runs) {
    headers.push_back(run_label(run));
  }
  TextTable table(headers);
  for (const auto& [name, values] : fields) {
    std::vector<std::string> row = {printable(name)};
    for (size_t i = 0; i < values.size(); ++i) {
      std::string value = !values[i] ? "-" : digests ? short_digest(*values[i]) : *values[i];
      row.push_back(printable(value) + (i > 0 && differs(values, i) ? " *" : ""));
    }
    table.add(std::move(row));
  }
  return table;
}

// A row per metric: its value in each run and, after the first, the difference from the first.
TextTable metric_table(const RunComparison& comparison) {
  std::vector<std::string> headers = {"METRIC"};
  for (const RunRecord& run : comparison.runs) {
    headers.push_back(run_label(run));
  }
  TextTable table(headers);
  for (const auto& [key, values] : comparison.metrics) {
    std::vector<std::string> row = {printable(key)};
    for (size_t i = 0; i < values.size(); ++i) {
      std::string cell = values[i] ? format_number(*values[i]) : "-";
      if (i > 0 && values[i] && values[0]) {
        double delta = *values[i] - *values[0];
        cell += fmt::format(" ({}{})", delta >= 0 ? "+" : "", format_number(delta));
      }
      row.push_back(cell);
    }
    table.add(std::move(row));
  }
  return table;
}

std::map<std::string, ValuesByRun<std::string>> commits(const RunComparison& comparison) {
  ValuesByRun<std::string> values;
  for (const RunRecord& run : comparison.runs) {
    values.push_back(run.git_commit ? std::optional(run.git_commit->substr(0, 12) +
                                                    (run.git_dirty.value_or(false) ? "+dirty" : ""))
                                    : std::nullopt);
  }
  return {{"commit", values}};
}

std::string comparison_text(const RunComparison& comparison) {
  std::string text = string_table("GIT", comparison, commits(comparison), false).render();
  TextTable params = string_table("PARAM", comparison, comparison.params, false);
  TextTable outputs = string_table("OUTPUT", comparison, comparison.outputs, true);
  TextTable metrics = metric_table(comparison);
  for (const TextTable* table : {&params, &metrics, &outputs}) {
    if (!table->empty()) {
      text += "\n" + table->render();
    }
  }
  text += "\n* differs from the first run\n";
  if (!comparison.plots.empty()) {
    std::vector<std::string> paths, ids;
    for (const auto& path : comparison.plots) {
      paths.push_back(printable(path));
    }
    for (const RunRecord& run : comparison.runs) {
      ids.push_back(run.id);
    }
    text += fmt::format("plots: {} (drawn overlaid by: mlops plots {})\n", join(paths, ", "),
                        join(ids, " "));
  }
  return text;
}

}  // namespace

int compare_command(const CompareCommand& command) {
  if (command.runs.size() < 2) {
    write_all(2, "mlops: error: name at least two runs: mlops compare latest~1 latest\n");
    return k_exit_invalid;
  }
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto comparison = compare_runs(*space->store(), command.runs);
  if (!comparison.ok()) {
    return report_query_error(comparison.error());
  }
  write_all(1, command.query.json ? json_text(comparison_json(*comparison), 2) + "\n"
                                  : comparison_text(*comparison));
  return k_exit_success;
}

}  // namespace mlops
