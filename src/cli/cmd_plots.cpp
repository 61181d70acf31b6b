// mlops plots RUN... [-o FILE] [--json]: the plots the runs recorded, overlaid, as one HTML page
// (app/run_plots.hpp reads them from the cache, report/plots.hpp draws them).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/queries.hpp"
#include "app/run_plots.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

Result<std::vector<RunRecord>> named_runs(MetadataStore& store,
                                          const std::vector<std::string>& names) {
  std::vector<RunRecord> runs;
  for (const std::string& name : names) {
    MLOPS_TRY(id, resolve_run(store, name));
    MLOPS_TRY(run, store.find_run(*id));
    if (!run->has_value()) {
      return Error(ErrorKind::NotFound, "no run " + *id);
    }
    bool twice = std::any_of(runs.begin(), runs.end(),
                             [&](const RunRecord& other) { return other.id == *id; });
    if (twice) {
      return Error(ErrorKind::Usage, "'" + name + "' names run " + *id + " a second time");
    }
    runs.push_back(std::move(**run));
  }
  return runs;
}

// {"runs": [id...], "plots": [{"path", "template", "title", "runs": [{"run", "digest", "x",
//  "y": [...], "rows", "error", "notes": [...]}]}], "output": FILE or null}
nlohmann::json plots_json(const std::vector<RunRecord>& runs,
                          const std::vector<PlotFigure>& figures) {
  nlohmann::json document = {{"runs", nlohmann::json::array()}, {"plots", nlohmann::json::array()}};
  for (const RunRecord& run : runs) {
    document["runs"].push_back(run.id);
  }
  for (const PlotFigure& figure : figures) {
    nlohmann::json item = {{"path", figure.options.path},
                           {"template", figure.options.kind},
                           {"title", figure.options.title},
                           {"runs", nlohmann::json::array()}};
    for (const PlotRun& run : figure.runs) {
      const PlotPoints& points = run.points;
      size_t rows = figure.options.kind == "confusion" ? 0 : points.x.size();
      for (const auto& row : points.counts) {
        for (int64_t count : row) {
          rows += static_cast<size_t>(count);
        }
      }
      item["runs"].push_back({{"run", run.name},
                              {"digest", run.digest},
                              {"x", points.x_field},
                              {"y", points.y_fields},
                              {"rows", rows},
                              {"error", points.error},
                              {"notes", points.notes}});
    }
    document["plots"].push_back(std::move(item));
  }
  return document;
}

}  // namespace

int plots_command(const PlotsCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto runs = named_runs(*space->store(), command.runs);
  if (!runs.ok()) {
    return report_query_error(runs.error());
  }
  auto figures = gather_run_plots(*space->store(), space->objects(), space->root(), *runs);
  if (!figures.ok()) {
    return report_query_error(figures.error());
  }
  std::vector<std::string> labels;
  for (const RunRecord& run : *runs) {
    labels.push_back(plot_run_label(run));
  }
  std::optional<std::filesystem::path> output = command.output;
  if (!output && !command.query.json) {
    output = "plots.html";
  }
  if (output) {
    std::string html = plots_page_html(labels, *figures,
                                       fmt::format("mlops {} at {}", MLOPS_VERSION, now_utc_iso()));
    Status written = write_file_atomic(*output, html);
    if (!written.ok()) {
      write_all(2, fmt::format("mlops: error: cannot write {}: {}\n", output->string(),
                               written.error().message()));
      return k_exit_invalid;
    }
    if (!command.query.json) {
      write_all(1, fmt::format("wrote {} ({} plots of {} runs, {} KiB)\n", output->string(),
                               figures->size(), runs->size(), (html.size() + 1023) / 1024));
    }
  }
  if (command.query.json) {
    nlohmann::json document = plots_json(*runs, *figures);
    document["output"] = output ? nlohmann::json(output->string()) : nlohmann::json();
    write_all(1, json_text(document, 2) + "\n");
  }
  return k_exit_success;
}

}  // namespace mlops
