// Reading the feature store's sections of a pipeline file (docs/pipeline-format.md, "Feature
// groups and datasets"; semantics in docs/feature-store.md):
//
//   feature_groups:                    # or: feature_groups: features/groups.yaml
//     customer_features:
//       version: 2
//       primary_key: {customer_id: int}
//       event_time: ts
//       features: {spend_30d: float, segment: {type: string, nullable: false}}
//       ttl: 30d
//   datasets:
//     churn_train:
//       spine: data/labels.csv
//       features: [customer_features, {orders: [n_orders]}]
//       split: {test: 0.2, seed: 7}
//       out: data/churn_train
//
// Each function reports every problem to the Diagnostics at its FILE:LINE:COL and goes on, so
// one pass reports all of them; what it returns holds whatever could be read. Checks that need
// the whole pipeline (a dataset naming an undeclared group or feature, a dataset named like a
// stage) are in spec/feature_store_loader.hpp, since groups may come from another file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

// A feature group or dataset name: [a-z0-9][a-z0-9_-]*, at most 64 (it becomes a directory
// under .mlops/fs/ and, for a dataset, a stage name).
bool is_valid_feature_group_name(std::string_view name);

// A column name: [A-Za-z_][A-Za-z0-9_]*, at most 64. Column names are unique per group without
// regard to case (the store's tables are SQLite's, whose column names ignore case).
bool is_valid_column_name(std::string_view name);

// Groups and datasets may have at most this many columns together (keys, event time, features):
// SQLite's default limit is 2000 per table, and the store adds its own.
inline constexpr size_t k_max_feature_group_columns = 1900;

// The value of the pipeline's `feature_groups:` key: a mapping of group names to groups (read
// into spec.feature_groups), or a string naming a file that holds them (kept in
// spec.feature_groups_file for the loader, which reads it with its own Diagnostics).
void parse_feature_groups_key(const YamlNode& value, Diagnostics& diagnostics, PipelineSpec& spec);

// A mapping of group names to group bodies, appended to `out`.
void parse_feature_groups(const YamlNode& node, Diagnostics& diagnostics,
                          std::vector<FeatureGroupSpec>& out);

// The whole of an included feature groups file: a mapping whose only key is `feature_groups`,
// itself a mapping of names to groups (no further includes).
void parse_feature_groups_file(const YamlNode& root, Diagnostics& diagnostics,
                               std::vector<FeatureGroupSpec>& out);

// The value of the pipeline's `datasets:` key: a mapping of dataset names to datasets.
std::vector<DatasetSpec> parse_datasets(const YamlNode& node, Diagnostics& diagnostics);

// The group called `name`, or null.
const FeatureGroupSpec* find_feature_group(const std::vector<FeatureGroupSpec>& groups,
                                           std::string_view name);
// The dataset called `name`, or null.
const DatasetSpec* find_dataset(const std::vector<DatasetSpec>& datasets, std::string_view name);

// ".mlops/fs/GROUP/vVERSION.head": the workspace-relative file the store rewrites on every
// commit to the group's version. Dataset stages list it in their deps, so they run again when
// the group gets a new commit.
std::string feature_group_head_path(const std::string& group, int version);

}  // namespace mlops
