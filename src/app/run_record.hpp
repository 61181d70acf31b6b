// The row a run starts with in the metadata store: pipeline file and digest, typed params, git
// state, host, user, version, the owner's pid with its start time and boot, start time.
#pragma once

#include <string>

#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

RunRecord make_run_record(const Pipeline& pipeline, const std::string& run_id);

}  // namespace mlops
