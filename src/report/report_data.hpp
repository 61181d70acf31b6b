// What `mlops report` shows of one run, gathered from the metadata store (cli/cmd_report.cpp)
// and rendered as one self-contained HTML page (html_report.hpp): plain data, no store access.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/plots.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

struct ReportStage {
  std::string name;
  std::string status;  // succeeded, failed, cancelled, interrupted, running, cached, not run
  int attempts = 0;
  std::optional<double> start_seconds;  // since the run started
  std::optional<double> end_seconds;
  std::string note;  // the failure, or why it did not run
  // A failed stage: why ("exit code 2", "killed by signal 9 (SIGKILL)", "timed out after 5s",
  // with the attempts made), and the last lines of its log (stdout and stderr as the stage
  // wrote them, secrets redacted); `log_problem` says why the log is not shown when it is not.
  std::string exit_reason{};
  std::string log_tail{};
  std::string log_problem{};
};

// One parameter of the run: its value as recorded, where it comes from (a params file, the
// pipeline's values, or "" when the pipeline file no longer says), and its value there now
// when that differs (a -S override, or the file changed since).
struct ReportParam {
  std::string key;  // flattened: train.lr
  std::string value;
  std::string origin;
  std::string now;
};

struct ReportEdge {
  size_t from = 0;  // indices into stages
  size_t to = 0;
};

// A run's metrics beside those of the pipeline's previous succeeded run: what the GitHub step
// summary and the HTML report both show.
struct MetricComparison {
  std::optional<std::string> previous_run;
  std::vector<MetricRecord> current;
  std::vector<MetricRecord> previous;

  // The previous run's value of the same stage and key, if it had one.
  std::optional<double> previous_value(const MetricRecord& metric) const {
    for (const auto& before : previous) {
      if (before.stage == metric.stage && before.key == metric.key) {
        return before.value;
      }
    }
    return std::nullopt;
  }
};

struct ReportData {
  RunRecord run;
  std::vector<ReportStage> stages;
  std::vector<ReportEdge> edges;
  std::string edges_source;  // "the pipeline file" or "the artifacts the stages read and wrote"
  std::vector<EventRecord> events;
  MetricComparison metrics;
  // "stage: key" -> the metric over the pipeline's succeeded runs, oldest first.
  std::map<std::string, std::vector<MetricRecord>> history;
  std::vector<GateResultRecord> gates;  // the model gates this run judged
  std::vector<ReportParam> params;
  std::vector<PlotFigure> plots;  // the plots files the run recorded, drawn from the cache
};

}  // namespace mlops
