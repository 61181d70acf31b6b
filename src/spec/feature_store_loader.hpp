// The loader's part for the feature store (docs/feature-store.md): the feature groups file a
// pipeline may include, the checks that need every group and stage, and the dataset stages.
//
// Each dataset of `datasets:` runs as a built-in stage of its pipeline, appended after the
// file's stages, with builtin "dataset":
//
//   argv   mlops dataset create NAME --pipeline=PIPELINE   (the pipeline file, workspace-relative)
//   deps   the spine, and .mlops/fs/G/vV.head for each group G (version V) it reads at its
//          latest commit (not for an `as_of` commit, which never changes)
//   outs   the `out` directory, type "dataset"
//   needs  its `needs`, and every stage with an out ingested into a group it reads
//   env    MLOPS_DATASET_DEFINITION: the dataset's definition and that of the groups it reads, in
//          one line, so that the stage's fingerprint changes (and the stage runs again) when
//          either does. The command need not read it.
//
// The steps, in the loader's order: load_feature_groups_file, check_feature_store,
// add_dataset_stages (before expansion), finish_dataset_stages (after it).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

struct IncludedGroups {
  std::string path;          // workspace-relative; "" when the pipeline includes no file
  bool groups_known = true;  // false: the file could not be read or parsed at all
};

// When spec.feature_groups_file is set: reads that file (relative to the pipeline file's
// directory, inside the workspace) into spec.feature_groups. Problems with the file's contents
// are appended to `file_errors` under the file's own name (the pipeline file's directory joined
// with the name as written); a file that is missing, unreadable or outside the workspace is
// reported to `diagnostics` at the `feature_groups:` value of the pipeline.
IncludedGroups load_feature_groups_file(PipelineSpec& spec,
                                        const std::filesystem::path& pipeline_file,
                                        const std::filesystem::path& workspace,
                                        Diagnostics& diagnostics,
                                        std::vector<Diagnostic>& file_errors);

// Checks across sections: every group a dataset or an out names is declared (when
// `groups_known`), every feature a dataset names belongs to its group, and no dataset has the
// name of a stage. Call it before add_dataset_stages.
void check_feature_store(const PipelineSpec& spec, bool groups_known, Diagnostics& diagnostics);

// Appends one stage template per dataset to spec.stages (see above). `pipeline_path` is what
// the stage passes as --pipeline: the pipeline file, relative to the workspace.
void add_dataset_stages(PipelineSpec& spec, const std::string& pipeline_path);

// After expansion: adds each dataset stage's needs on the stages that ingest into its groups,
// and makes the datasets' spine and out paths workspace-relative and normal.
void finish_dataset_stages(Pipeline& pipeline);

// The pipeline file as a dataset stage names it: relative to the workspace when it lies inside,
// else as given.
std::string pipeline_path_in_workspace(const std::filesystem::path& file,
                                       const std::filesystem::path& workspace);

}  // namespace mlops
