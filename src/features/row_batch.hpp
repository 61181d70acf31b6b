// A batch of feature rows in memory, read from a CSV or JSON Lines file and typed by a feature
// group's schema: what one commit writes (an insert), or the keys one delete removes.
//
// Values are kept column by column (no allocation per number). Reading checks every value
// against the schema and reports the first bad one as "FILE:LINE: column 'x': 'abc' is not an
// int" (InvalidSpec): a commit is all rows or none, so one bad row refuses the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "spec/feature_store_spec.hpp"
#include "util/error.hpp"

namespace mlops {

struct ColumnValues {
  FeatureType type = FeatureType::Float;
  std::vector<int64_t> ints;       // Int and Bool
  std::vector<double> floats;      // Float
  std::vector<std::string> texts;  // String
  std::vector<uint8_t> nulls;      // 1: no value (an empty field, or null in JSON Lines)

  void reserve(size_t rows);
  bool is_null(size_t row) const { return nulls[row] != 0; }
  // The value as the canonical text the store writes out ("" for null).
  void append_text(std::string& out, size_t row) const;
  // -1, 0 or 1; nulls sort first.
  int compare(size_t a, size_t b) const;
  // The value in a fixed binary form (a null flag, then 8 bytes, or a length and the bytes of a
  // string): what a commit's content hash covers.
  void append_binary(std::string& out, size_t row) const;
  // The values at `order`, in that order.
  ColumnValues permuted(const std::vector<size_t>& order) const;
};

struct RowBatch {
  std::vector<ColumnValues> keys;      // the group's primary key columns, in order
  std::vector<int64_t> times;          // event times, µs since the epoch (empty: none given)
  std::vector<ColumnValues> features;  // the group's features, in schema order (empty: a delete)
  std::vector<uint64_t> lines;         // the source line of each row
  std::vector<std::string> ignored_columns;  // in the file, not in the schema
  size_t size() const { return lines.size(); }
};

enum class BatchKind {
  Rows,  // keys, event time and features (features may be missing when nullable)
  Keys,  // keys, and an event time when the file has that column
};

// Reads `path` (CSV, TSV or JSON Lines, optionally gzip'd; chosen by the name as `mlops data`
// does). NotFound / Io from reading; InvalidSpec for a missing key, event-time or non-nullable
// feature column, a value of the wrong type, or an empty key or event time.
Result<RowBatch> read_row_batch(const std::filesystem::path& path, const FeatureGroupSpec& spec,
                                BatchKind kind);

// The rows of `batch` sorted by (key, event time), one per (key, event time): of several rows
// with the same identity the last in the file wins. `dropped` counts the others.
std::vector<size_t> sorted_unique_rows(const RowBatch& batch, size_t& dropped);

// The rows at `order`, in that order (a commit writes its rows in key order: reading them in
// that order from memory, not jumping about, is half the cost of an insert).
RowBatch permute_rows(const RowBatch& batch, const std::vector<size_t>& order);

}  // namespace mlops
