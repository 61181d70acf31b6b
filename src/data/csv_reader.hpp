// CsvReader: the RecordSource of CSV and TSV files (plain or gzip'd), per RFC 4180 with the
// leniencies of common writers.
//
// What it reads:
// - Fields are separated by the delimiter (',' by default; open_records picks '\t' for a .tsv
//   name; any other byte such as ';' or '|' works) and records end at LF or CRLF. A CR not
//   followed by LF is an ordinary byte of the field.
// - A field that starts with the quote character is quoted: it runs to the next lone quote and
//   may contain delimiters, CR and LF; a doubled quote inside it stands for one quote ("a""b" is
//   a"b). Text between a closing quote and the next delimiter or line end ("ab"c) makes the
//   record malformed. A quote inside a field that did not start with one is an ordinary byte
//   (a"b reads as a"b, as Python's csv module reads it). A quote of '\0' turns quoting off.
// - A UTF-8 byte order mark at the start of the file is skipped. Blank lines (nothing, or only
//   CR, before the line end) are skipped anywhere, so an empty unquoted value in a one-column
//   file is not a record: quote it ("").
// - With a header (the first non-blank record) the columns are its fields. An empty name is
//   named column_N after its 1-based position; two equal names are an InvalidSpec error
//   ("FILE:1: duplicate column 'x' (columns 2 and 5); rename one"). Without a header the columns
//   are column_1 ... column_N, N being the field count of the first well-formed record, which is
//   then returned as data.
// - A record whose field count differs from the column count is malformed ("3 fields, expected
//   5") and skipped, as is a record with a quoted field still open at the end of the file
//   ("field 4: unterminated quoted field") or text after a closing quote ("field 2: text after
//   the closing quote").
// - Record::line is the physical line where the record starts (the header is line 1 unless
//   blank lines precede it), counting the line ends inside quoted fields.
//
// Memory is bounded by the longest record: a record longer than CsvLimits::max_record_bytes
// (64 MiB; counting its line end) or with more than max_columns fields (100,000) is an
// InvalidSpec error "FILE:LINE: ..." that names the limit, not an ever-growing buffer (a quote
// left open near the start of a big file is the usual cause of the former).
//
// Speed (about 2 GB/s of CPU time on this VM, bench/micro read_csv): fields are string_views
// into the input's buffer; only a quoted field with a doubled quote is copied, into a scratch
// buffer the reader owns; the record's field vector is reused. The delimiters, LFs and quotes of
// 64 bytes at a time are found as a bit mask (SSE2; csv_reader.cpp). A record cut by the end of
// a block is parsed again from its start after the next fill, which costs a few bytes per block.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/byte_input.hpp"
#include "data/record_source.hpp"

namespace mlops {

struct CsvLimits {
  size_t max_record_bytes = size_t{64} << 20;
  size_t max_columns = 100'000;
  size_t block_size = ByteInput::k_default_block_size;  // see ByteInput::open
};

class CsvReader final : public RecordSource {
 public:
  // Opens `path` and reads up to the header (or, without one, the first record). A delimiter of
  // 0 is ','. NotFound / Io from reading the file; InvalidSpec for an empty file when a header is
  // expected, a malformed header, a duplicate column name, a limit exceeded, or a delimiter or
  // quote that cannot work (equal to each other, CR or LF).
  // `limit`: only the file's first `limit` bytes (the first part of a file read by several
  // threads; a plain file).
  static Result<std::unique_ptr<CsvReader>> open(const std::filesystem::path& path,
                                                 const ReadOptions& options,
                                                 const CsvLimits& limits = {},
                                                 uint64_t limit = UINT64_MAX);
  // The records of the bytes [begin, end) of a plain (not gzip'd) file whose header gave
  // `columns`: one part of a file read by several threads (data/parallel_profile.hpp). `begin`
  // is taken to be a record's start; lines are counted from 1 at `begin`.
  static Result<std::unique_ptr<CsvReader>> open_part(const std::filesystem::path& path,
                                                      const ReadOptions& options,
                                                      std::vector<std::string> columns,
                                                      uint64_t begin, uint64_t end,
                                                      const CsvLimits& limits = {});
  ~CsvReader() override;

  // The lines read so far (the line ends consumed, those inside quoted fields included).
  uint64_t lines_read() const { return m_line - 1; }
  // Whether the data ended inside a quoted field (the last record is then malformed): a part
  // whose end was not a record's end.
  bool ended_in_quotes() const { return m_ended_in_quotes; }

  const std::vector<std::string>& columns() const override { return m_columns; }
  Result<bool> next(Record& record) override;

 private:
  struct Tokenizer;  // csv_reader.cpp
  // A record as the tokenizer found it: whether there was one, and why it is malformed (a
  // static string, null when it is not) with the 1-based field where that was seen.
  struct RawRecord {
    bool found = false;
    const char* problem = nullptr;
    size_t problem_field = 0;
  };

  CsvReader(ByteInput input, const ReadOptions& options, const CsvLimits& limits);
  Status start();
  Status take_header();
  Status take_first_record();
  Result<RawRecord> read_record(Record& record);
  Error record_too_long() const;
  Error limit_error(const std::string& what, const char* hint) const;

  ByteInput m_input;
  CsvLimits m_limits;
  bool m_header;
  std::unique_ptr<Tokenizer> m_tokenizer;
  std::vector<std::string> m_columns;
  uint64_t m_line = 1;  // the line of the first byte of the input's window
  Record m_first;       // without a header: the first record, until next() returns it
  bool m_has_first = false;
  bool m_ended_in_quotes = false;
};

}  // namespace mlops
