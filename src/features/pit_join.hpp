// The point-in-time join (docs/feature-store.md, "Point-in-time joins"): for each spine row
// (key, ts) and each feature group, the group's row with the greatest (event time, commit) such
// that
//     ts - ttl <= event_time <= ts - delay     (< with exclusive)
//     commit <= the pinned commit
//     and, in known_time mode, the commit was made at or before ts
// or nothing (NULL features) when there is none or it is a tombstone.
//
// How: the spine's rows are sorted by (key, ts) once per group, and the group's rows are read
// in (key, event time, commit) order from its index — one ordered pass over each, two pointers
// that never move back (a sort-merge as-of join, as kdb+'s aj and DuckDB's ASOF do). A spine
// much smaller than the group seeks each key in the index instead. Memory: the spine, and per
// group one value per spine row and feature.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "features/group_store.hpp"
#include "features/row_batch.hpp"

namespace mlops {

// The spine: the label rows training data is built on. Every column is carried through to the
// output as written (kept as CSV text, one fragment per row); the key columns the groups need
// are also kept as text to be typed per group, and the time column is parsed.
struct Spine {
  std::vector<std::string> columns;  // every column of the file, in order
  std::string arena;                 // the rows' CSV fragments, back to back
  std::vector<uint64_t> row_ends;    // where each row's fragment ends in `arena`
  std::vector<std::string> key_names;
  std::vector<ColumnValues> keys;  // Int or String columns, parallel to key_names
  std::vector<int64_t> times;
  std::vector<uint64_t> lines;  // where each row is in the file
  std::string path;             // the file, as named
  size_t size() const { return times.size(); }
  std::string_view row_text(size_t row) const;
};

// Reads a spine from a CSV/JSON Lines file, its key columns typed as `keys` says (int or
// string). InvalidSpec for a missing time or key column, an empty key, a key that is not of
// its type, or a time that does not parse ("FILE:LINE: ...").
Result<Spine> read_spine(const std::filesystem::path& path, const std::string& time_column,
                         const std::vector<FeatureColumnSpec>& keys);

struct JoinOptions {
  int64_t as_of = 0;  // the pinned commit
  bool exclusive = false;
  bool known_time = false;
  // The window, as pinned by a dataset (a version's ttl and delay may change later); nothing:
  // the group's own.
  std::optional<std::optional<Milliseconds>> ttl;
  std::optional<Milliseconds> delay;
  // A spine of at least this many rows (with one int key) is joined in parallel parts.
  size_t parallel_min_rows = 200000;
};

// The features one group contributes: per feature, one value per spine row (in spine order).
struct JoinedFeatures {
  std::vector<ColumnValues> columns;  // in the order of `features`
  size_t matched = 0;                 // spine rows with a value
};

// Joins one group onto the spine. `features` are names of the group's features (all when
// empty). InvalidSpec when the spine lacks one of the group's key columns or a key value does
// not parse as the key's type; Conflict when the pinned commit (or, in known_time mode, the
// commit some spine time needs) was compacted away.
Result<JoinedFeatures> join_group(FeatureGroupStore& group, const Spine& spine,
                                  const std::vector<std::string>& features,
                                  const JoinOptions& options);

}  // namespace mlops
