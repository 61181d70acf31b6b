#include "app/feature_steps.hpp"

#include <algorithm>

#include <unistd.h>

#include <fmt/format.h>

#include "app/feature_store.hpp"
#include "features/dataset.hpp"
#include "hash/digest.hpp"
#include "util/environment.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

constexpr const char* k_commit_kind = "feature_group_commit";
constexpr size_t k_max_manifest_bytes = size_t{16} << 20;

Result<std::string> digest_of(const std::filesystem::path& workspace, const std::string& path,
                              const StageReport& report) {
  for (const auto& output : report.outputs) {
    if (output.path == path) {
      return output.digest;
    }
  }
  MLOPS_TRY(digest, digest_path(workspace / path));
  return digest->digest.hex();
}

}  // namespace

bool FeatureSteps::needed(const Pipeline& pipeline) {
  return !pipeline.datasets.empty() ||
         std::any_of(pipeline.stages.begin(), pipeline.stages.end(), [](const Stage& stage) {
           return std::any_of(stage.out_feature_groups.begin(), stage.out_feature_groups.end(),
                              [](const std::string& group) { return !group.empty(); });
         });
}

Result<StageSuccessHook::Outcome> FeatureSteps::after_success(size_t index, StageReport& report) {
  const Stage& stage = m_pipeline.stages[index];
  for (size_t out = 0; out < stage.out_feature_groups.size(); ++out) {
    if (!stage.out_feature_groups[out].empty()) {
      MLOPS_TRY(outcome, ingest(stage, out, report));
      if (outcome->rejected) {
        return outcome;
      }
    }
  }
  if (stage.builtin == "dataset") {
    MLOPS_CHECK(add_dataset_inputs(stage, report));
  }
  return Outcome{};
}

Result<StageSuccessHook::Outcome> FeatureSteps::ingest(const Stage& stage, size_t out,
                                                       StageReport& report) {
  const std::string& path = stage.outs[out].value;
  const std::string& name = stage.out_feature_groups[out];
  FeatureStoreContext context{m_pipeline.workspace, &m_pipeline.feature_groups};
  MLOPS_TRY(digest, digest_of(m_pipeline.workspace, path, report));
  MLOPS_TRY(group, open_feature_group(context, name, 0, GroupAccess::Write));
  MLOPS_TRY(previous, (*group)->latest_commit_from(path));
  std::optional<CommitRecord> commit;
  if (*previous && (*previous)->source_digest == *digest) {
    commit = **previous;  // the same bytes: committed already
  } else {
    GroupWriteRequest request{
        name, (*group)->spec().version, m_pipeline.workspace / path, false, {}, {}, {}};
    request.info = CommitInfo{"upsert", m_run_id, stage.name, path, *digest, "", ""};
    auto written = write_feature_group(context, request);
    if (!written.ok()) {
      return Error(written.error().kind(), fmt::format("cannot ingest {} into feature group {}: {}",
                                                       path, name, written.error().message()));
    }
    if (written->rejected) {
      return Outcome{true, fmt::format("validation refused {} for feature group {} ({}); "
                                       "nothing was committed",
                                       path, name, written->validation_summary)};
    }
    commit = written->commit;
    if (const char* die = test_hook("MLOPS_TEST_DIE_AFTER_FG_COMMIT"); die && *die == '1') {
      ::_exit(137);  // tests: a crash between the feature store's commit and the run's record
    }
  }
  if (commit) {
    const FeatureGroupSpec& spec = (*group)->spec();
    report.outputs.push_back({commit_uri(spec.name, spec.version, commit->id), k_commit_kind,
                              commit->content_hash, commit->rows()});
  }
  return Outcome{};
}

Status FeatureSteps::add_dataset_inputs(const Stage& stage, StageReport& report) {
  if (stage.outs.empty()) {
    return Status::success();
  }
  std::filesystem::path manifest_path =
      m_pipeline.workspace / stage.outs.front().value / "manifest.json";
  MLOPS_TRY(text, read_file(manifest_path, k_max_manifest_bytes));
  auto manifest = manifest_from_json(*text);
  if (!manifest.ok()) {
    return Error(ErrorKind::Corrupt, manifest_path.string() + ": " + manifest.error().message());
  }
  for (const auto& group : manifest->groups) {
    report.inputs.push_back({commit_uri(group.group, group.version, group.commit), k_commit_kind,
                             group.commit_hash, 0});
  }
  return Status::success();
}

}  // namespace mlops
