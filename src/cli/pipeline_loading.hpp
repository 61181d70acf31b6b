// Loading a pipeline for a command: app/pipeline_loading's checks, with the diagnostics printed.
#pragma once

#include <filesystem>
#include <optional>

#include "app/pipeline_loading.hpp"

namespace mlops {

// The pipeline and its graph, or nothing after printing every problem to stderr (and, under
// GitHub Actions, as annotations).
std::optional<CheckedPipeline> load_or_print(const std::filesystem::path& file,
                                             const LoadOptions& options);

}  // namespace mlops
