// The feature store's application services (docs/feature-store.md), shared by `mlops fg`,
// `mlops dataset` and the run loop: opening groups (declared in a pipeline, or as stored),
// inserting and deleting with validation, and building, listing and recreating datasets.
// Never prints.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "features/dataset.hpp"
#include "features/group_store.hpp"
#include "spec/feature_store_spec.hpp"

namespace mlops {

struct FeatureStoreContext {
  std::filesystem::path workspace;                          // absolute
  const std::vector<FeatureGroupSpec>* declared = nullptr;  // a pipeline's groups, if any
};

std::filesystem::path feature_store_root(const std::filesystem::path& workspace);
std::filesystem::path datasets_root(const std::filesystem::path& workspace);

// Reads never change a group; a write may create it, or add the nullable features its
// declaration added.
enum class GroupAccess { Read, Write };

// A group by name: the version the pipeline declares, else the stored `version` (0: the
// newest). For a write, the declared version is created on first use and its schema checked
// against what is stored (InvalidSpec with the differences); a read opens what is stored, with
// the schema it was created with. NotFound when there is no such group (for a read: no such
// group stored yet).
Result<std::unique_ptr<FeatureGroupStore>> open_feature_group(const FeatureStoreContext& context,
                                                              const std::string& name, int version,
                                                              GroupAccess access);

struct GroupWriteRequest {
  std::string group;
  int version = 0;
  std::filesystem::path file;  // rows to upsert, or (remove) the keys to delete
  bool remove = false;
  std::optional<std::filesystem::path> rules;  // overrides the group's validation rules
  std::optional<std::string> policy;           // strict | always
  CommitInfo info;
};

struct GroupWriteOutcome {
  std::optional<CommitRecord> commit;  // nothing: nothing to write, or rejected
  std::vector<std::string> ignored_columns;
  bool validated = false;
  bool rejected = false;           // validation failed under `strict`: nothing was committed
  std::string validation_summary;  // "12 checks: 11 passed, 1 failed (...)"
  std::string validation_json;     // the report, when validated
};

// One commit of the file's rows (or tombstones). Validation first when the group (or the
// request) names a rules file. Errors: InvalidSpec for a bad file or rules, NotFound, Io.
Result<GroupWriteOutcome> write_feature_group(const FeatureStoreContext& context,
                                              const GroupWriteRequest& request);

struct DatasetCreateRequest {
  DatasetSpec spec;
  std::string run_id;
  std::map<std::string, int64_t> pinned;  // group → commit, else as the spec says / latest
};

// Builds the dataset into the spec's `out` directory, keeps its manifest and a copy of the
// spine under .mlops/datasets/ID/ (for `recreate`), and pins its commits in each group.
Result<DatasetManifest> create_dataset(const FeatureStoreContext& context,
                                       const DatasetCreateRequest& request);

// The datasets built in this workspace, newest first.
Result<std::vector<DatasetManifest>> list_datasets(const std::filesystem::path& workspace);
// A dataset by id (or a unique prefix of one). NotFound / Corrupt.
Result<DatasetManifest> find_dataset(const std::filesystem::path& workspace, const std::string& id);

struct RecreateOutcome {
  DatasetManifest rebuilt;
  bool identical = true;
  std::vector<std::string> differences;  // "train.csv: digest X, recorded Y"
  std::filesystem::path directory;       // where it was rebuilt
};

// Rebuilds a dataset from its pinned commits and its kept spine: into its `out` directory, or
// with `verify` into a scratch directory that is then removed, comparing each file's digest
// with the manifest's. Conflict when a pinned commit was compacted away; Corrupt when the kept
// spine does not match its digest or the manifest is not valid.
Result<RecreateOutcome> recreate_dataset(const FeatureStoreContext& context, const std::string& id,
                                         bool verify);

}  // namespace mlops
