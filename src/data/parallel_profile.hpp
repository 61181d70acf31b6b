// Profiling one CSV file with several threads (`mlops data profile --threads N`).
//
// The file is cut into N parts at line ends near equal offsets; each part is read by its own
// CsvReader (data/csv_reader.hpp: open with a limit for the first, open_part for the others) into
// its own Profiler, and the parts' profiles are merged in file order (merge_profiles), their
// malformed rows' line numbers moved by the lines of the parts before them.
//
// A cut is only a guess: a line end may lie inside a quoted field. The part before a cut is read
// from a known record start, so it ends inside quotes exactly when the guess was wrong; then, or
// when any part fails (an error's line number would be relative to its part), nothing of the
// parts is used and the file is profiled in one pass, so the result never depends on a cut.
//
// The counts, types, exact values, minimum and maximum are those of one pass; sums and moments
// may differ in the last bits (added in another order), and the sketches are those of a merge
// (within their error bounds, but not the same bytes as one pass: the same thread count gives
// the same bytes).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "data/profile.hpp"
#include "data/record_source.hpp"

namespace mlops {

// Parts smaller than this are not worth a thread.
inline constexpr uint64_t k_min_part_bytes = uint64_t{8} << 20;

// The profile of `path` read in `threads` parts, or nothing when the file is not one to split
// (not a plain CSV file: gzip, JSON Lines, not a regular file; fewer than two parts of
// k_min_part_bytes; one thread) or a part could not be used: the caller then reads it in one
// pass.
std::optional<DatasetProfile> profile_in_parts(const std::filesystem::path& path,
                                               const std::string& source_name,
                                               const ReadOptions& read_options,
                                               const ProfileOptions& options, unsigned threads);

}  // namespace mlops
