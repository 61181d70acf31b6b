// What a stage asks of a cluster scheduler (`resources:` in the pipeline, docs/slurm.md): plain
// data shared by the pipeline model (spec/), which checks it, and the cluster runners (exec/),
// which pass it to the scheduler. Nothing here is interpreted by the local process runner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/duration.hpp"

namespace mlops {

// The executor of a stage that names none: a subprocess on this machine.
inline constexpr const char* k_local_executor = "local";

struct JobResources {
  std::optional<int64_t> cpus;       // CPUs for the stage's one task (--cpus-per-task)
  std::optional<int64_t> mem_mib;    // memory of the job in MiB (--mem)
  std::optional<int64_t> gpus;       // GPUs (--gres=gpu:N)
  std::optional<Milliseconds> time;  // the scheduler's wall-time limit (--time)
  std::string partition;             // "" for the cluster's default
  // Further scheduler options, each one whole argument such as "--qos=high"; checked by the
  // pipeline parser to never take over what the runner relies on (--output, --job-name, ...).
  std::vector<std::string> extra;

  bool empty() const {
    return !cpus && !mem_mib && !gpus && !time && partition.empty() && extra.empty();
  }
};

}  // namespace mlops
