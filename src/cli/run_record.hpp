// The run row for a new run: who, where, what, from which commit.
#pragma once

#include <string>

#include "spec/pipeline.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

RunRecord make_run_record(const Pipeline& pipeline, const std::string& run_id);

// The parameters as the nested, typed JSON object they were written as.
std::string params_to_json(const ParamMap& params);

}  // namespace mlops
