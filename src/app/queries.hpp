// Questions front ends ask of a workspace's store: which run a name means, and how a run's
// metrics compare with the previous good run. Pure reads: nothing printed, nothing written.
#pragma once

#include <optional>
#include <string>

#include "app/workspace.hpp"
#include "report/report_data.hpp"
#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

// The workspace of the current directory with its existing store (a query needs one).
// NotFound when there is no store yet, Io when it cannot be opened (workspace.hpp).
Result<Workspace> open_query_workspace(const std::optional<std::filesystem::path>& store_flag);

// A run named by its full id, a unique prefix, `latest` or `latest~N` (N runs before the
// latest). Usage when the name is malformed or ambiguous (the message lists what matched),
// NotFound when nothing matches.
Result<std::string> resolve_run(MetadataStore& store, const std::string& name);

// A run's metrics and those of the previous succeeded run of its pipeline (started before it).
Result<MetricComparison> compare_metrics(MetadataStore& store, const RunRecord& run);

}  // namespace mlops
