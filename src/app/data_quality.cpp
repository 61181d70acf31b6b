#include "app/data_quality.hpp"

#include "data/profile_json.hpp"
#include "util/file_io.hpp"

namespace mlops {

bool is_profile_path(const std::filesystem::path& path) {
  return path.extension() == ".json";
}

Result<DatasetProfile> load_or_profile(const std::filesystem::path& path,
                                       const DataReadRequest& request, ProfileParts parts) {
  if (is_profile_path(path)) {
    return read_profile_json(path, path.string(), parts);
  }
  return profile_file(path, path.string(), request.read, request.profile, request.threads);
}

Result<DriftOutcome> compare_datasets(const DriftRequest& request) {
  // A drift does not use the distinct-count sketches: they are not decoded.
  MLOPS_TRY(reference,
            load_or_profile(request.reference, request.read, ProfileParts::WithoutDistinct));
  MLOPS_TRY(current, load_or_profile(request.current, request.read, ProfileParts::WithoutDistinct));
  if (reference->options.kll_k != current->options.kll_k ||
      reference->options.hll_precision != current->options.hll_precision) {
    return Error(ErrorKind::Usage,
                 "the reference and current profiles were made with different sketch sizes; "
                 "profile both with the same options");
  }
  DriftOutcome outcome;
  outcome.report = compute_drift(*reference, *current, request.policy);
  outcome.sides = DriftSides{.reference = request.reference.string(),
                             .current = request.current.string(),
                             .reference_rows = reference->rows,
                             .current_rows = current->rows};
  outcome.json = drift_report_to_json(outcome.report, request.policy, outcome.sides);
  return outcome;
}

}  // namespace mlops
