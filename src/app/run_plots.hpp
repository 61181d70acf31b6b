// The plots runs recorded (outs of kind "plots", docs/pipeline-format.md), read for drawing by
// `mlops plots`, `mlops report` and the web UI. The bytes come from the object cache by the
// digests the store recorded, never from the workspace (which may hold another run's file), and
// are checked against the digest. How each file is drawn (x, y, template, labels) comes from
// the pipeline file as it is now; a plot it no longer declares is drawn with the defaults.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cache/object_store.hpp"
#include "report/plots.hpp"
#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// How a run is named in a legend: its id, and its name when it has one.
std::string plot_run_label(const RunRecord& run);

// One figure per plots path any of `runs` recorded (sorted by path), with one PlotRun per run
// that recorded it, in the order of `runs`. A run whose object is missing from the cache,
// damaged (digest mismatch) or unreadable gets a PlotRun whose points carry that error, so the
// page says so. `root` is the workspace (the pipeline files are relative to it). Io when the
// store cannot be read.
Result<std::vector<PlotFigure>> gather_run_plots(MetadataStore& store, const ObjectStore& objects,
                                                 const std::filesystem::path& root,
                                                 const std::vector<RunRecord>& runs);

}  // namespace mlops
