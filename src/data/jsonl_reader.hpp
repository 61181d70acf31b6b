// JsonlReader: the RecordSource of JSON Lines files (plain or gzip'd): one JSON object per line.
//
// What it reads:
// - Lines end at LF (a CR before it is dropped). Blank lines (only spaces, tabs and CR) are
//   skipped; a UTF-8 byte order mark at the start of the file is skipped.
// - Each key of a line's object is a column; columns appear in the order their keys are first
//   seen in the file, so a key first seen on line 1000 adds a column that the records before it
//   did not have (they are not revisited). A key repeated within one object keeps its last value.
// - Values: a string is its decoded text (quoted = true); a number is its text as written
//   (1.50 stays "1.50", 1e3 stays "1e3"); true and false are "true" and "false"; null, and a key
//   the line does not have, are missing (missing = true, empty text). A nested object or array
//   is its compact JSON text (no spaces; strings re-escaped the way JSON requires, UTF-8 kept;
//   numbers as written), e.g. {"a": [1, 2]} gives the field a the text [1,2].
// - A line that is not JSON, or JSON but not an object, is malformed and skipped: the reason is
//   the parser's ("invalid JSON at column 9: syntax error while parsing object - unexpected end
//   of input; expected '}'") or "a JSON array, not an object". The keys of a malformed line do
//   not become columns.
//
// Memory is bounded like CsvReader's: a line longer than JsonlLimits::max_line_bytes (64 MiB) or
// more than max_columns distinct keys in the file (100,000) is an InvalidSpec error "FILE:LINE:
// ..." naming the limit.
//
// The text of the fields lives in a buffer the reader reuses from line to line, as do the column
// table and the record's field vector: a line allocates nothing once the buffers have grown.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/byte_input.hpp"
#include "data/record_source.hpp"

namespace mlops {

struct JsonlLimits {
  size_t max_line_bytes = size_t{64} << 20;
  size_t max_columns = 100'000;
  size_t block_size = ByteInput::k_default_block_size;  // see ByteInput::open
};

class JsonlReader final : public RecordSource {
 public:
  // Opens `path`. NotFound / Io from reading the file.
  static Result<std::unique_ptr<JsonlReader>> open(const std::filesystem::path& path,
                                                   const JsonlLimits& limits = {});
  ~JsonlReader() override;

  const std::vector<std::string>& columns() const override;
  Result<bool> next(Record& record) override;

 private:
  struct LineParser;  // the SAX handler that turns one line into fields (jsonl_reader.cpp)

  JsonlReader(ByteInput input, const JsonlLimits& limits);
  // The next line without its line end, and its number; false at the end of the data.
  Result<bool> next_line(std::string_view& line, uint64_t& number);

  ByteInput m_input;
  JsonlLimits m_limits;
  std::unique_ptr<LineParser> m_parser;
  uint64_t m_line = 1;   // the line of the first byte of the input's window
  size_t m_scanned = 0;  // bytes of the window known to hold no LF
};

}  // namespace mlops
