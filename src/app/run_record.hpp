// The row a run starts with in the metadata store: pipeline file and digest, typed params, git
// state, host, user, version, the owner's pid with its start time and boot, start time.
#pragma once

#include <string>
#include <vector>

#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

// What did not stop the record but the user should hear (git state unreadable because libgit2
// cannot be loaded) is added to `warnings`.
RunRecord make_run_record(const Pipeline& pipeline, const std::string& run_id,
                          std::vector<std::string>& warnings);

}  // namespace mlops
