#include "cli/pipeline_loading.hpp"

#include "cli/run_observer.hpp"

namespace mlops {

std::optional<CheckedPipeline> load_or_print(const std::filesystem::path& file,
                                             const LoadOptions& options) {
  LoadedPipeline loaded = load_checked_pipeline(file, options);
  if (!loaded.checked) {
    print_pipeline_errors(loaded);
  }
  return std::move(loaded.checked);
}

}  // namespace mlops
