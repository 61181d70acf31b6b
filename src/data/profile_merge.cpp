// merge_profiles: adding one profile to another, column by column (data/profile.hpp).
#include <algorithm>

#include "data/profile.hpp"

namespace mlops {

namespace {

bool same_options(const ProfileOptions& a, const ProfileOptions& b) {
  return a.null_values == b.null_values && a.kll_k == b.kll_k &&
         a.hll_precision == b.hll_precision && a.top_k_capacity == b.top_k_capacity &&
         a.exact_values_limit == b.exact_values_limit;
}

void merge_exact(ColumnProfile& into, const ColumnProfile& other, uint32_t limit) {
  if (!into.exact_complete || !other.exact_complete) {
    into.exact_complete = false;
    into.exact_values.clear();
    return;
  }
  for (const auto& [value, count] : other.exact_values)
    into.exact_values[value] += count;
  if (into.exact_values.size() > limit) {
    into.exact_complete = false;
    into.exact_values.clear();
  }
}

Status merge_column(ColumnProfile& into, const ColumnProfile& other, uint32_t exact_limit) {
  into.count += other.count;
  into.nulls += other.nulls;
  for (size_t i = 0; i < into.type_counts.size(); ++i)
    into.type_counts[i] += other.type_counts[i];
  MLOPS_CHECK(into.distinct.merge(other.distinct));
  into.moments.merge(other.moments);
  into.zeros += other.zeros;
  into.negatives += other.negatives;
  into.nan += other.nan;
  into.infinities += other.infinities;
  into.quantiles.merge(other.quantiles);
  if (other.length_count > 0) {
    into.length_min =
        into.length_count == 0 ? other.length_min : std::min(into.length_min, other.length_min);
    into.length_max = std::max(into.length_max, other.length_max);
    into.length_sum += other.length_sum;
    into.length_count += other.length_count;
  }
  into.top.merge(other.top);
  merge_exact(into, other, exact_limit);
  return Status::success();
}

}  // namespace

Status merge_profiles(DatasetProfile& into, const DatasetProfile& other) {
  if (!same_options(into.options, other.options)) {
    return Error(ErrorKind::Usage,
                 "the profiles of '" + into.source + "' and '" + other.source +
                     "' were made with different options (null values or sketch sizes); profile "
                     "both again with the same options to merge them");
  }
  uint64_t rows_before = into.rows;
  for (ColumnProfile& column : into.columns) {
    if (other.column(column.name) == nullptr)
      column.nulls += other.rows;
  }
  for (const ColumnProfile& theirs : other.columns) {
    auto mine = std::find_if(into.columns.begin(), into.columns.end(),
                             [&](const ColumnProfile& c) { return c.name == theirs.name; });
    if (mine == into.columns.end()) {
      into.columns.push_back(theirs);
      into.columns.back().nulls += rows_before;
      continue;
    }
    MLOPS_CHECK(merge_column(*mine, theirs, into.options.exact_values_limit));
  }
  into.rows += other.rows;
  into.bytes += other.bytes;
  into.malformed_rows += other.malformed_rows;
  for (const MalformedRow& row : other.malformed_sample) {
    if (into.malformed_sample.size() >= RecordSource::k_malformed_sample)
      break;
    into.malformed_sample.push_back(row);
  }
  MLOPS_CHECK(into.distinct_rows.merge(other.distinct_rows));
  return Status::success();
}

}  // namespace mlops
