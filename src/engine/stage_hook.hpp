// What the application does right after a stage succeeds (ran, restored or up to date), before
// the stage is reported and its dependents start: the feature store ingests the outs declared
// {path, feature_group: G} as a commit, and a dataset stage's pinned commits become its inputs
// (app/feature_steps.hpp). The hook may add to the report's inputs and outputs; they are
// recorded with the execution.
#pragma once

#include <cstddef>
#include <string>

#include "engine/run_report.hpp"
#include "util/error.hpp"

namespace mlops {

class StageSuccessHook {
 public:
  virtual ~StageSuccessHook() = default;
  struct Outcome {
    bool rejected = false;  // a data check refused what the stage wrote (exit 3)
    std::string why;        // for a rejection
  };
  // An error fails the stage with its message.
  virtual Result<Outcome> after_success(size_t stage, StageReport& report) = 0;
};

}  // namespace mlops
