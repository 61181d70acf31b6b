// `executor:` and `resources:` of a stage or of the pipeline (its default for every stage):
// where a stage runs, and what it asks of a cluster scheduler (docs/slurm.md).
//
//   executor: slurm            # local (the default) or slurm
//   resources:
//     cpus: 4                  # --cpus-per-task
//     mem: 16G                 # --mem; K, M, G or T
//     gpus: 1                  # --gres=gpu:1
//     time: 2h                 # --time, a duration
//     partition: gpu           # --partition
//     sbatch: ["--qos=high"]   # further options, each one --name or --name=value
//
// Neither enters a stage's fingerprint: where a stage ran does not change what it produces.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

// The executors a pipeline may name, "local" first.
const std::vector<std::string>& known_executors();

// `executor: NAME`, or nothing (with a diagnostic listing the known ones) when NAME is unknown.
std::optional<LocatedString> parse_executor(const YamlNode& node, Diagnostics& diagnostics,
                                            std::string_view context);

// `resources: {...}`, with a diagnostic for each value that is out of range or malformed and
// for each scheduler option that would break how mlops tracks the job (--output, --job-name,
// --wrap, ...). `context` is " in stage 'x'" or "".
JobResources parse_resources(const YamlNode& node, Diagnostics& diagnostics,
                             std::string_view context);

// "4G" → 4096 MiB: a positive integer and a unit K, M, G or T (an optional trailing B); nothing
// when malformed or absurd.
std::optional<int64_t> parse_memory_mib(std::string_view text);

// Why the scheduler option `option` is refused ("" when it is accepted).
std::string refused_scheduler_option(std::string_view option);

// A stage's resources: the pipeline's default with each field the stage sets taking its place.
JobResources merge_resources(const JobResources& defaults, const JobResources& stage);

}  // namespace mlops
