// The profile artifact: a DatasetProfile as a JSON document (schema mlops.profile/1, published
// as schemas/profile.schema.json), and back.
//
// The document has two parts per column: the statistics a person or a dashboard reads (type,
// null fraction, distinct estimate, min/max/mean/stddev/skewness/kurtosis, quantiles p01 to
// p99, decile edges, a 10-bin histogram, length statistics, top values, exact value counts while
// they are known) and, under "sketches", the state those were computed from (base64 KLL,
// HyperLogLog and SpaceSaving sketches, raw moments), from which a profile is read back to be
// merged or compared. Only the sketches and counts are read back; the derived statistics are
// recomputed from them.
//
// Numbers that JSON cannot hold (NaN, ±infinity, in quantiles of a column with infinities) are
// written as the strings "nan", "inf" and "-inf".
#pragma once

#include <string>
#include <string_view>

#include "data/profile.hpp"
#include "util/error.hpp"

namespace mlops {

inline constexpr std::string_view k_profile_schema_id = "mlops.profile/1";

// The document, indented by two spaces.
std::string profile_to_json(const DatasetProfile& profile);

// Reads a profile document. `origin` names it in errors. Corrupt when the text is not JSON, not
// a mlops.profile/1 document, or any field or sketch is missing, of the wrong type or
// inconsistent (e.g. more nulls than rows); the message names the field ("columns[2].count").
// Profiles are read from files anyone may have edited: nothing in them is trusted.
Result<DatasetProfile> parse_profile_json(std::string_view text, std::string_view origin);

// What a reader needs of a profile. A drift never looks at the distinct-count sketches (4 KiB
// of HyperLogLog registers a column, a fifth of the time of reading two wide profiles): without
// them each is checked to be there and a string, not decoded, and the columns' `distinct`
// sketches stay empty.
enum class ProfileParts { All, WithoutDistinct };

// parse_profile_json of the file at `path` (at most 1 GiB), read into simdjson's padded buffer
// without a copy. NotFound / Io when it cannot be read.
Result<DatasetProfile> read_profile_json(const std::filesystem::path& path, std::string_view origin,
                                         ProfileParts parts = ProfileParts::All);

// The profile's headline numbers as a flat metrics document for the store (a `uses: profile`
// stage's metrics): data.rows, data.columns, data.malformed_rows, data.duplicate_rows, and per
// column data.<column>.null_fraction, .distinct, and for numbers .mean, .stddev, .min, .max,
// .p50. Keys are written with their dots, so a column named like a statistic cannot clash.
std::string profile_metrics_json(const DatasetProfile& profile);

}  // namespace mlops
