// What `mlops report` shows of a run, gathered from the store (rendering is report/'s): its
// stages (the last attempt of each), the stage graph, the artifacts read and written, and its
// metrics compared with the previous good run, with each metric's history.
//
// The graph comes from the pipeline file when it is still the file the run ran (same digest),
// with stages the run did not execute added as "not run"; otherwise from the artifacts: a stage
// that read what another stage of the run wrote comes after it.
#pragma once

#include <filesystem>
#include <string>

#include "app/workspace.hpp"
#include "report/report_data.hpp"
#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// `root` is the workspace the run's pipeline file is relative to. NotFound when there is no run
// `run_id`; Io when the store cannot be read.
Result<ReportData> gather_report_data(MetadataStore& store, const std::filesystem::path& root,
                                      const std::string& run_id);

// The same, plus what needs the workspace's files: each failed stage's exit reason and the last
// 50 lines of its log (read only from .mlops/logs/; values of the pipeline's `env:` and of
// secret-looking environment variables replaced by "***"), the run's params with where they
// come from, and its plots read from the object cache (app/run_plots.hpp).
Result<ReportData> gather_report_data(Workspace& workspace, const std::string& run_id);

}  // namespace mlops
