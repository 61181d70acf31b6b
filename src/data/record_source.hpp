// Reading a tabular data file one record at a time: CSV (RFC 4180), gzip'd CSV and JSON Lines.
//
// A RecordSource streams: memory stays bounded by the longest record, never by the file, so a
// profile or a validation of a 10 GB file runs in the same memory as one of 10 KB. Records point
// into the source's own buffers and stay valid until the next call to next().
//
// Malformed rows are not errors: they are skipped, counted and the first few are kept with their
// line numbers (a validation reports them; `bad_rows` rules decide what they mean). Errors are
// for a file that cannot be read at all: missing (NotFound), unreadable or a corrupt gzip stream
// (Io), or a header that makes no sense (InvalidSpec, "FILE:LINE: ..."), such as a duplicate
// column name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

enum class DataFormat {
  Auto,       // from the name: .jsonl/.ndjson (optionally .gz) is JsonLines, anything else Csv
  Csv,        // RFC 4180; .tsv defaults the delimiter to a tab
  JsonLines,  // one JSON object per line
};

struct ReadOptions {
  DataFormat format = DataFormat::Auto;
  char delimiter = 0;  // 0: ',' (or '\t' for a .tsv name)
  char quote = '"';
  bool header = true;  // false: columns are named column_1, column_2, ... from the first record
  // gzip is detected from the first two bytes (1f 8b), whatever the name.
};

// One field of a record.
struct FieldView {
  std::string_view text;  // unquoted and unescaped ("a""b" reads as a"b); JSON strings decoded;
                          // JSON numbers and booleans as written (true, false)
  bool quoted = false;    // CSV: the field was quoted; JSON: a string
  bool missing = false;   // JSON Lines: null or key absent (text is empty); never set for CSV
};

struct Record {
  uint64_t line = 0;              // 1-based line of the file where the record starts
  std::vector<FieldView> fields;  // one per column, in columns() order
  // A directory of files read as one dataset: the file the record comes from, valid until the
  // next call to next(). Empty for a single file.
  std::string_view file;
};

struct MalformedRow {
  uint64_t line = 0;
  std::string reason;  // "3 fields, expected 5", "unterminated quoted field", ...
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;

  // The column names. For JSON Lines they grow as new keys appear (a column first seen in record
  // N was missing from the records before it); for CSV they are fixed by the header.
  virtual const std::vector<std::string>& columns() const = 0;

  // Reads the next well-formed record into `record`; false at the end of the data. Blank lines
  // are skipped. Io when the file cannot be read further (a truncated or corrupt gzip stream).
  virtual Result<bool> next(Record& record) = 0;

  uint64_t malformed_count() const { return m_malformed_count; }
  // The first k_malformed_sample malformed rows.
  const std::vector<MalformedRow>& malformed_sample() const { return m_malformed_sample; }
  // Bytes of data read so far (after decompression).
  uint64_t bytes_read() const { return m_bytes_read; }

  static constexpr size_t k_malformed_sample = 20;

 protected:
  void note_malformed(uint64_t line, std::string reason);
  uint64_t m_bytes_read = 0;

 private:
  uint64_t m_malformed_count = 0;
  std::vector<MalformedRow> m_malformed_sample;
};

// Whether `path`'s name says JSON Lines: it ends in .jsonl or .ndjson, optionally followed by .gz.
bool is_json_lines_name(const std::filesystem::path& path);

// Opens `path` for reading records: a file, or a directory of data files read as one dataset
// (data/directory_source.hpp). NotFound / Io / InvalidSpec as described above; InvalidSpec
// also for an empty CSV file with a header expected ("FILE: empty file, expected a header row").
Result<std::unique_ptr<RecordSource>> open_records(const std::filesystem::path& path,
                                                   const ReadOptions& options);

}  // namespace mlops
