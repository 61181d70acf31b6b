// The checks a validation decides while it streams the records: row-level checks (type,
// not_null, range, in_set, pattern, length, compare), exact uniqueness of keys, and the
// co-moments of correlations. Each tracker reads the fields it needs from a Record, counts, and
// keeps the first failing rows; the validator (quality/validator.hpp) turns the counts into
// CheckResults.
//
// Hot path: no allocation per value (failing rows are copied only for the first few failures of
// each check; the unique-key set grows by doubling).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "data/hll.hpp"
#include "data/record_source.hpp"
#include "quality/pattern.hpp"
#include "quality/unique_keys.hpp"
#include "quality/validation.hpp"

namespace mlops {

// Which field texts are nulls (ProfileOptions::null_values), tested as the profiler tests them.
class NullTokens {
 public:
  explicit NullTokens(std::vector<std::string> tokens);
  bool is_null(const FieldView& field) const;

 private:
  std::vector<std::string> m_tokens;
  size_t m_longest = 0;
};

// Column indices of a check, resolved against the source's columns (which may grow: JSON
// Lines). k_absent while the column has not been seen.
inline constexpr size_t k_absent = static_cast<size_t>(-1);

// Looks up each of `names` in `columns`.
void resolve_columns(const std::vector<std::string>& names, const std::vector<std::string>& columns,
                     std::vector<size_t>& indices);

// One row-level check.
class RowCheck {
 public:
  // InvalidSpec when the check's pattern does not compile (the parser reports that first).
  static Result<RowCheck> make(const CheckSpec& spec, bool quoted_is_string);

  void resolve(const std::vector<std::string>& columns) {
    resolve_columns(m_spec->columns, columns, m_index);
  }
  void check(const Record& record, const NullTokens& nulls);

  const CheckSpec& spec() const { return *m_spec; }
  bool resolved() const;  // every column it reads was seen
  uint64_t evaluated() const { return m_evaluated; }
  uint64_t failed() const { return m_failed; }
  std::vector<FailingRow>& failing_rows() { return m_failing; }

 private:
  explicit RowCheck(const CheckSpec& spec) : m_spec(&spec) {}
  bool passes(std::string_view text, bool quoted) const;
  bool compare(const FieldView& left, const FieldView& right) const;
  void record_failure(const Record& record);

  const CheckSpec* m_spec;
  bool m_quoted_is_string = false;
  std::vector<size_t> m_index;
  ValuePattern m_pattern;
  std::vector<std::string_view> m_small_set;   // InSet with up to 8 values
  std::unordered_set<std::string_view> m_set;  // InSet with more
  uint64_t m_evaluated = 0;
  uint64_t m_failed = 0;
  std::vector<FailingRow> m_failing;
};

// A `unique` check: the exact set of key hashes (until its memory cap) and a HyperLogLog of them
// for the estimate beyond it.
class UniqueTracker {
 public:
  UniqueTracker(const CheckSpec& spec, size_t max_bytes);

  void resolve(const std::vector<std::string>& columns) {
    resolve_columns(m_spec->columns, columns, m_index);
  }
  void check(const Record& record, const NullTokens& nulls);

  const CheckSpec& spec() const { return *m_spec; }
  uint64_t keys() const { return m_keys; }        // rows with a key (not all null)
  uint64_t repeats() const { return m_repeats; }  // exact repeats seen (before any overflow)
  bool overflowed() const { return m_set.overflowed(); }
  uint64_t overflow_line() const { return m_overflow_line; }
  size_t capacity_keys() const { return m_set.capacity_keys(); }
  double distinct_estimate() const { return m_sketch.estimate(); }
  uint8_t precision() const { return m_sketch.precision(); }
  std::vector<FailingRow>& failing_rows() { return m_failing; }

 private:
  const CheckSpec* m_spec;
  std::vector<size_t> m_index;
  UniqueKeySet m_set;
  HyperLogLog m_sketch;
  uint64_t m_keys = 0;
  uint64_t m_repeats = 0;
  uint64_t m_overflow_line = 0;
  std::vector<FailingRow> m_failing;
};

// A `correlation` check: streaming co-moments (Welford) of the rows where both columns hold
// finite numbers.
class CorrelationTracker {
 public:
  explicit CorrelationTracker(const CheckSpec& spec) : m_spec(&spec) {}

  void resolve(const std::vector<std::string>& columns) {
    resolve_columns(m_spec->columns, columns, m_index);
  }
  void check(const Record& record, const NullTokens& nulls);

  const CheckSpec& spec() const { return *m_spec; }
  uint64_t pairs() const { return m_n; }
  // Pearson's r; nothing with fewer than 2 pairs or a constant column.
  std::optional<double> correlation() const;

 private:
  const CheckSpec* m_spec;
  std::vector<size_t> m_index;
  uint64_t m_n = 0;
  double m_mean_x = 0, m_mean_y = 0, m_m2x = 0, m_m2y = 0, m_cxy = 0;
};

// The number a field holds when it is an int or a float (classify_value's rules), else nothing.
std::optional<double> field_number(std::string_view text);

// `text` cut to at most `limit` bytes without splitting a UTF-8 character ("…" appended).
std::string clip_value(std::string_view text, size_t limit = 200);

}  // namespace mlops
