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

#include "report/report_data.hpp"
#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// `root` is the workspace the run's pipeline file is relative to. NotFound when there is no run
// `run_id`; Io when the store cannot be read.
Result<ReportData> gather_report_data(MetadataStore& store, const std::filesystem::path& root,
                                      const std::string& run_id);

}  // namespace mlops
