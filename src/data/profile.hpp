// Dataset profiles: the statistics of a data file, computed in one streaming pass.
//
// A Profiler is fed records (data/record_source.hpp) and keeps, per column, counts by type, the
// null count, a HyperLogLog of the values, streaming moments and a KLL sketch of the numbers,
// string lengths, SpaceSaving top values and exact value counts while a column has at most
// `exact_values_limit` distinct values. Memory is independent of the number of rows: a few tens
// of KiB per column. A finished DatasetProfile keeps the sketches themselves, so two profiles
// merge (profile a file in chunks, or partitions as they arrive) and are compared (drift)
// without reading the data again. data/profile_json.hpp writes it as the profile artifact.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/hll.hpp"
#include "data/kll.hpp"
#include "data/moments.hpp"
#include "data/record_source.hpp"
#include "data/space_saving.hpp"
#include "data/value_type.hpp"
#include "util/error.hpp"

namespace mlops {

struct ProfileOptions {
  // Field texts that mean "no value" (compared exactly, after CSV unquoting). A JSON null or an
  // absent key is always a null.
  std::vector<std::string> null_values = {"", "NA", "N/A", "null", "NULL", "None"};
  uint16_t kll_k = KllSketch::k_default_k;
  uint8_t hll_precision = HyperLogLog::k_default_precision;
  uint32_t top_k_capacity = SpaceSaving::k_default_capacity;
  uint32_t top_k_reported = 20;
  uint32_t exact_values_limit = 1000;
  // JSON Lines: a JSON string is typed as a string even when its text reads as a number.
  bool quoted_is_string = false;
};

// The statistics of one column. Counts are of rows; "values" are the non-null ones.
struct ColumnProfile {
  std::string name;
  uint64_t count = 0;  // non-null values
  uint64_t nulls = 0;
  std::array<uint64_t, k_value_type_count> type_counts{};  // indexed by ValueType
  HyperLogLog distinct;

  // Values typed int or float. `moments` covers the finite ones; NaN and infinities are counted.
  Moments moments;
  uint64_t zeros = 0;
  uint64_t negatives = 0;
  uint64_t nan = 0;
  uint64_t infinities = 0;
  KllSketch quantiles;

  // Values typed bool, date, datetime or string: their length in characters (UTF-8 code points)
  // and their most frequent values.
  uint64_t length_count = 0;
  uint64_t length_min = 0;
  uint64_t length_max = 0;
  uint64_t length_sum = 0;
  SpaceSaving top;

  // Every value with its count, while the column has at most exact_values_limit distinct
  // values; `exact_complete` false (and the map empty) once it had more.
  std::map<std::string, uint64_t, std::less<>> exact_values;
  bool exact_complete = true;

  ColumnProfile(std::string column_name, const ProfileOptions& options);

  uint64_t numeric_count() const;  // values typed int or float, NaN and infinities included
  // The column's type: the one type (int and float counting together as float, or int when no
  // value was a float) that at least 99 % of the values have; "string" when none has; "null"
  // when there is no value.
  std::string inferred_type() const;
  bool is_numeric() const;  // inferred int or float
  double null_fraction(uint64_t rows) const;
};

struct DatasetProfile {
  std::string source;  // the file as named by the user
  std::string format;  // "csv" or "jsonl"
  uint64_t bytes = 0;  // of data read (after decompression)
  uint64_t rows = 0;   // well-formed records
  uint64_t malformed_rows = 0;
  std::vector<MalformedRow> malformed_sample;
  HyperLogLog distinct_rows;
  ProfileOptions options;
  std::vector<ColumnProfile> columns;

  const ColumnProfile* column(std::string_view name) const;
  // Rows that repeat an earlier row, estimated from the distinct-row sketch.
  uint64_t duplicate_rows_estimate() const;
};

// Accumulates a profile from records. Hot path: no allocation per value once a column's exact
// value map is full or dropped.
class Profiler {
 public:
  explicit Profiler(ProfileOptions options);
  ~Profiler();
  Profiler(const Profiler&) = delete;
  Profiler& operator=(const Profiler&) = delete;

  // `columns` is the source's column list at this record (it may have grown: JSON Lines).
  void add(const Record& record, const std::vector<std::string>& columns);

  // The profile of everything added, with the source's malformed rows and byte count.
  DatasetProfile finish(const RecordSource& source, std::string source_name, std::string format);

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// Opens `path`, profiles every record and returns the profile (the errors of open_records and
// of reading). With `threads` > 1 a big plain CSV file is read in that many parts at once
// (data/parallel_profile.hpp), else in one pass.
Result<DatasetProfile> profile_file(const std::filesystem::path& path, std::string source_name,
                                    const ReadOptions& read_options, const ProfileOptions& options,
                                    unsigned threads = 1);

// Adds `other` to `into` (columns matched by name; a column only one side has is kept with the
// other side's rows counted as nulls). Usage when the two were made with different options
// (null tokens or sketch parameters).
Status merge_profiles(DatasetProfile& into, const DatasetProfile& other);

}  // namespace mlops
