// The codec of a run's parameters as the store keeps them (runs.params_json): one JSON object,
// nested at the dots of the names (train.lr -> {"train": {"lr": 0.05}}), each value typed as the
// pipeline file typed it (bool, integer, float, null, else string). Written when a run is
// recorded; read back to say which parameter changed since a stage last ran.
#pragma once

#include <string>
#include <vector>

#include "spec/pipeline.hpp"

namespace mlops {

std::string params_to_json(const ParamMap& params);

// "param NAME changed: OLD -> NEW" for each of `names` whose value in `stored_json` differs
// from its value in `now` ("(unset)" stands for a missing one). Malformed JSON counts as every
// parameter unset.
std::vector<std::string> param_changes(const std::string& stored_json, const ParamMap& now,
                                       const std::vector<std::string>& names);

}  // namespace mlops
