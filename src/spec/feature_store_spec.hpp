// The feature store as a pipeline file declares it (docs/feature-store.md): feature groups
// (`feature_groups:`) and the training datasets built from them by a point-in-time join
// (`datasets:`). Plain structs; spec/feature_store_parser.cpp reads them with FILE:LINE:COL
// diagnostics, and features/ gives them meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/diagnostic.hpp"
#include "util/duration.hpp"

namespace mlops {

// The type of a feature (or key) column, as stored: int (64-bit), float (double), string, bool
// (stored as 0/1).
enum class FeatureType { Int, Float, String, Bool };

const char* feature_type_name(FeatureType type);
std::optional<FeatureType> feature_type_from_name(std::string_view name);

struct FeatureColumnSpec {
  std::string name;
  FeatureType type = FeatureType::Float;
  bool nullable = true;  // false: a row with an empty value is refused at insert
  std::string description;
  SourceMark mark;
};

// A feature group version: the unit of storage, commits and time travel.
struct FeatureGroupSpec {
  std::string name;  // [a-z0-9_-], as stage names
  int version = 1;
  std::vector<FeatureColumnSpec> primary_key;  // one or more; type int or string
  std::string event_time;                      // the column holding each row's event time
  std::vector<FeatureColumnSpec> features;
  bool online = false;
  std::optional<Milliseconds> ttl;  // nothing: unbounded lookback, never expires online
  Milliseconds delay{0};            // a value stamped t is usable from t + delay
  std::string description;
  // Validation on insert: a data-quality rules file (docs/data-quality.md), workspace-relative,
  // and what a failure does: "strict" (no commit, exit 3) or "always" (commit, report attached).
  std::string rules;
  std::string validation_policy = "strict";
  SourceMark mark;  // of the group's name
};

// One group's part of a dataset: which features, and as of which commit.
struct DatasetGroupSpec {
  std::string group;                  // a feature group's name
  std::vector<std::string> features;  // empty: every feature of the group
  std::optional<int64_t> as_of;       // nothing: the latest commit when the dataset is built
  SourceMark mark;
  std::vector<SourceMark> feature_marks;  // parallel to features, for diagnostics
};

enum class PitMode { EventTime, KnownTime };

// Training data: a point-in-time join of feature groups onto a spine of labelled rows.
struct DatasetSpec {
  std::string name;
  std::string spine;       // workspace-relative CSV: key column(s), event time, label(s)
  std::string event_time;  // the spine's time column (default "ts")
  std::vector<DatasetGroupSpec> groups;
  bool exclusive = false;  // true: event_time < ts - delay, not <=
  PitMode mode = PitMode::EventTime;
  // Split: nothing, a seeded random fraction, or by spine time (rows with ts >= test_from go
  // to the test file).
  std::optional<double> test_fraction;
  uint64_t seed = 0;
  std::optional<std::string> test_from;  // a time, as the event-time column's format
  std::string out;                       // workspace-relative directory
  bool compress = false;                 // zstd
  std::vector<std::string> needs;        // stages to run first (their outs include the spine)
  SourceMark mark;                       // of the dataset's name
  // Where values were written, for diagnostics found after parsing (paths, needs).
  SourceMark spine_mark;
  SourceMark out_mark;
  std::vector<SourceMark> needs_marks;  // parallel to needs
};

}  // namespace mlops
