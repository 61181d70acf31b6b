// A directory of data files read as one dataset (Hive-style partitions, a month per file): every
// regular file below it whose name is a data file (.csv, .tsv, .jsonl, .ndjson, each optionally
// .gz; any name with an explicit --format), hidden names skipped, in path order.
//
// CSV files must all have the same columns (in any order: each file's fields are put in the
// first file's order); JSON Lines files add their keys to one column list. Malformed rows are
// reported with their file ("data/raw/b.csv: 3 fields, expected 5") and its line number.
#pragma once

#include <filesystem>
#include <memory>

#include "data/record_source.hpp"

namespace mlops {

// NotFound / Io as open_records; InvalidSpec for a directory without data files, one that mixes
// CSV and JSON Lines, or CSV files whose columns differ.
Result<std::unique_ptr<RecordSource>> open_directory_records(const std::filesystem::path& dir,
                                                             const ReadOptions& options);

}  // namespace mlops
