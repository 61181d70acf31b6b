// Training datasets (docs/feature-store.md, "Datasets"): a point-in-time join of feature groups
// onto a spine, split into train and test, written as CSV (optionally zstd) with a manifest
// that pins each group's commit, so the same bytes can be rebuilt later whatever was committed
// since.
//
// Layout of a dataset directory: manifest.json, and data.csv, or train.csv and test.csv (each
// with .zst when compressed). The manifest's `id` is a digest of everything that decides the
// bytes (the spine's digest, each group's version, pinned commit and its content hash, the
// features, the join's options and the split), so two identical requests name one dataset.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "features/group_store.hpp"
#include "spec/feature_store_spec.hpp"
#include "util/error.hpp"

namespace mlops {

struct DatasetFile {
  std::string name;  // train.csv.zst
  std::string digest;
  uint64_t rows = 0;
};

struct DatasetGroupPin {
  std::string group;
  int version = 1;
  int64_t commit = 0;
  std::string commit_hash;
  std::vector<std::string> features;  // as selected (all, when the spec said so)
  uint64_t matched = 0;               // spine rows that found a value
  std::optional<Milliseconds> ttl;    // the window the join used (pinned: a version's ttl and
  Milliseconds delay{0};              // delay may change later)
};

struct DatasetManifest {
  std::string id;
  std::string name;
  std::string spine;  // workspace-relative, as declared
  std::string spine_digest;
  uint64_t spine_rows = 0;
  std::string event_time;
  bool exclusive = false;
  bool known_time = false;
  std::optional<double> test_fraction;
  uint64_t seed = 0;
  std::optional<std::string> test_from;
  bool compress = false;
  std::vector<DatasetGroupPin> groups;
  std::vector<DatasetFile> files;
  std::string created_at;
  std::string run_id;  // the run that built it, when a pipeline did
};

std::string manifest_json(const DatasetManifest& manifest);
// The identity of a dataset: a digest of everything that decides its bytes (the spine's
// digest, each group's version, pinned commit, content hash, window and features, the join's
// options, the split), 16 hex digits.
std::string dataset_id(const DatasetManifest& manifest);
// Corrupt when the text is not a manifest this version can read.
Result<DatasetManifest> manifest_from_json(const std::string& text);

// What to build: the spec, the groups opened (by name), and where the spine is (absolute).
struct DatasetRequest {
  DatasetSpec spec;
  std::map<std::string, FeatureGroupStore*> groups;
  std::filesystem::path spine_path;
  std::string spine_digest;
  // The commits to pin, by group; a group not here is pinned at its spec's as_of or its latest.
  std::map<std::string, int64_t> pinned;
  // A rebuild: the windows the dataset was built with, by group.
  std::map<std::string, std::pair<std::optional<Milliseconds>, Milliseconds>> windows;
};

// Joins, splits and writes the files into `out_dir` (created; files replaced atomically), and
// returns the manifest (also written as out_dir/manifest.json). Errors from reading the spine
// (InvalidSpec), a group (Conflict when a commit was compacted), or writing (Io).
Result<DatasetManifest> build_dataset(const DatasetRequest& request,
                                      const std::filesystem::path& out_dir);

}  // namespace mlops
